"""The A1 open API client: the only code in the portal that speaks HTTP to A1."""

from a1.client import A1Client, CnetValue, GenerateRequest, RetryPolicy
from a1.errors import A1Error, A1OutcomeUnknown, Code
from a1.types import App, Form, Input, Style, Task, TaskState, Upload

__all__ = [
    "A1Client",
    "A1Error",
    "A1OutcomeUnknown",
    "App",
    "CnetValue",
    "Code",
    "Form",
    "GenerateRequest",
    "Input",
    "RetryPolicy",
    "Style",
    "Task",
    "TaskState",
    "Upload",
]
