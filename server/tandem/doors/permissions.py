"""Asking the user for permission, the same on both doors: no answer, a failed request or a malformed answer is
no permission (the model is told why); cancelling the caller withdraws the request (each door says so its way)."""

from __future__ import annotations

import logging
from typing import Any

import msgspec
from tandem_protocol import RequestPermissionRequest, RequestPermissionResponse

log = logging.getLogger(__name__)


class AsksPermission:
    """The `request_permission` of a ClientChannel. A door supplies `_ask` (send `session/request_permission`,
    return the raw result, withdraw the request when cancelled) and the exceptions that mean "no answer"."""

    _no_answer: tuple[type[BaseException], ...] = (Exception,)

    async def _ask(self, request: RequestPermissionRequest) -> Any:
        raise NotImplementedError

    async def request_permission(self, request: RequestPermissionRequest) -> RequestPermissionResponse | None:
        try:
            result = await self._ask(request)
        except self._no_answer as e:  # no answer is no permission; the model is told why
            log.warning("permission request failed: %s", e)
            return None
        try:
            return msgspec.convert(result, RequestPermissionResponse)
        except msgspec.ValidationError as e:
            log.warning("bad permission answer %.300r: %s", result, e)
            return None
