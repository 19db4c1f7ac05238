"""One date format per language (FORMAT_MODULE_PATH): the short and long forms are the
same, so a date reads alike on every page, and no numeric date is month-first (the
portal's English is read in Shanghai, Taipei and Tokyo as much as in New York).
Times are 24-hour everywhere."""
