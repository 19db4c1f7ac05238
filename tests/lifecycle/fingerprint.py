"""A person's history as a restore must give it back: rows and the bytes of every image.

Imported by the backup test and, through `manage.py shell`, by the restored portal.
"""

import hashlib
import json

from generator.models import Run


def _digest(field) -> str | None:
    if not field:
        return None
    with field.storage.open(field.name, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()


def fingerprint(username: str) -> str:
    runs = Run.objects.filter(user__username=username).order_by("created")
    history = [
        {
            "id": str(run.id),
            "state": run.state,
            "app": run.app_id,
            "choices": run.params,
            "points": [run.points_quoted, run.points_spent],
            "favourite": run.favourite,
            "team": run.team.name if run.team else None,
            "photos": [(i.file.name, _digest(i.file)) for i in run.inputs.order_by("pk")],
            "results": [
                (r.index, r.file.name, _digest(r.file), _digest(r.thumbnail))
                for r in run.results.order_by("index")
            ],
        }
        for run in runs
    ]
    return json.dumps(history, sort_keys=True)
