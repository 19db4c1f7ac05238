// What our scripts take from the page: Django's JavaScript catalog (jsi18n) and htmx.
interface Window {
  gettext?: (message: string) => string;
  ngettext?: (singular: string, plural: string, count: number) => string;
  interpolate?: (format: string, values: unknown[] | Record<string, unknown>, named?: boolean) => string;
}
