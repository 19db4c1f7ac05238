"""Where jobs queued before tasks moved beside their services still find their code.

django-tasks-db stores each job's task by module path; jobs written as
`generator.tasks.poll_generation` by an earlier version keep running after an upgrade.
New code enqueues the tasks from their own service modules.
"""

from generator.runs.tracking import poll_generation

__all__ = ["poll_generation"]
