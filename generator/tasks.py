"""Background work (django.tasks, run by `manage.py runworker`)."""

from django.tasks import task

from . import services


@task()
def poll_generation(generation_id: str) -> None:
    """One step for one generation, then the next step is queued for when it is due.

    A job whose claim fails (another job already polled this interval) ends quietly,
    so duplicate jobs die out instead of multiplying.
    """
    next_at = services.generation_poll(generation_id=generation_id)
    if next_at is not None:
        poll_generation.using(run_after=next_at).enqueue(generation_id)


def resume_due() -> int:
    """Queue a poll for every in-flight generation whose job was lost (worker start, sweep)."""
    due = services.generations_due()
    for generation_id in due:
        poll_generation.enqueue(generation_id)
    return len(due)
