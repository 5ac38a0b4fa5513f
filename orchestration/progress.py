"""A Dagster logger that turns run events into one callback per step, for the CLI's progress."""

from __future__ import annotations

import logging
from collections.abc import Callable

import dagster as dg

StepCallback = Callable[[str, str, str], None]  # (event type, step key, message)

_callbacks: list[StepCallback] = []
_EVENTS = {"STEP_START", "STEP_SUCCESS", "STEP_FAILURE", "STEP_SKIPPED", "STEP_UP_FOR_RETRY"}


class _StepHandler(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        meta = getattr(record, "dagster_meta", None) or {}
        event = meta.get("dagster_event")
        kind = event.event_type_value if event is not None else None
        if kind in _EVENTS or (kind is None and record.levelno >= logging.WARNING):
            for callback in list(_callbacks):
                callback(
                    kind or record.levelname,
                    meta.get("step_key") or "",
                    meta.get("orig_message", ""),
                )


def subscribe(callback: StepCallback) -> Callable[[], None]:
    """Receive step events of runs in this process; returns the function that unsubscribes."""
    _callbacks.append(callback)
    return lambda: _callbacks.remove(callback)


@dg.logger(description="Forwards step start/finish events to the egov CLI's progress display.")
def egov_progress(init_context: dg.InitLoggerContext) -> logging.Logger:
    logger = logging.Logger("egov.progress", level=logging.DEBUG)
    logger.addHandler(_StepHandler())
    return logger
