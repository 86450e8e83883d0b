"""Session settings (mode, model, effort, max tokens) and their ACP config options; model facts and prices."""

from __future__ import annotations

import os
from dataclasses import dataclass

import msgspec
from tandem_protocol import SessionConfigOption, SessionConfigSelectOption, SessionMode, SessionModeState


@dataclass(frozen=True)
class ModelInfo:
    """What we need to know of a model: a label, its context window and its price per million tokens."""

    name: str
    context: int
    input_price: float
    output_price: float


MODELS: dict[str, ModelInfo] = {
    "claude-fable-5-2": ModelInfo("Claude Fable 5.2", 1_000_000, 8.0, 40.0),
    "claude-opus-5-5": ModelInfo("Claude Opus 5.5", 1_000_000, 4.0, 20.0),
    "claude-sonnet-5-5": ModelInfo("Claude Sonnet 5.5", 1_000_000, 2.0, 10.0),
    "claude-haiku-5-5": ModelInfo("Claude Haiku 5.5", 1_000_000, 0.10, 0.50),
}
MOST_CAPABLE = "claude-fable-5-2"
EFFORTS = ("off", "low", "medium", "high", "xhigh", "max")
MAX_TOKENS = ("8192", "16384", "32000", "64000", "128000")

MODES: tuple[SessionMode, ...] = (
    SessionMode(id="default", name="Default", description="Ask before editing files or running commands"),
    SessionMode(id="acceptEdits", name="Accept edits", description="Apply file edits without asking"),
    SessionMode(id="plan", name="Plan", description="Read and plan only: no edits, no commands"),
    SessionMode(id="bypassPermissions", name="Bypass permissions", description="Run everything without asking"),
)
MODE_IDS = tuple(m.id for m in MODES)


class InvalidSetting(ValueError):
    """A mode or config value that does not exist."""


class SessionConfig(msgspec.Struct, kw_only=True):
    """The settings of one session; persisted with it."""

    mode: str = "default"
    model: str = msgspec.field(default_factory=lambda: os.environ.get("TANDEM_MODEL") or MOST_CAPABLE)
    effort: str = "medium"
    max_tokens: int = 32000

    def model_info(self) -> ModelInfo:
        return MODELS.get(self.model) or ModelInfo(self.model, 200_000, 3.0, 15.0)

    def mode_state(self) -> SessionModeState:
        return SessionModeState(current_mode_id=self.mode, available_modes=list(MODES))

    def set_mode(self, mode: str) -> None:
        if mode not in MODE_IDS:
            raise InvalidSetting(f"Unknown mode {mode!r}; choose one of {', '.join(MODE_IDS)}")
        self.mode = mode

    def options(self) -> list[SessionConfigOption]:
        models = dict(MODELS)
        if self.model not in models:
            models[self.model] = self.model_info()

        def opts(values) -> list[SessionConfigSelectOption]:
            return [SessionConfigSelectOption(value=v, name=n) for v, n in values]

        return [
            SessionConfigOption(id="mode", name="Mode", category="mode", current_value=self.mode,
                                options=opts((m.id, m.name) for m in MODES)),
            SessionConfigOption(id="model", name="Model", category="model", current_value=self.model,
                                options=opts((k, v.name) for k, v in models.items())),
            SessionConfigOption(id="effort", name="Thinking effort", category="thought_level",
                                current_value=self.effort, options=opts((e, e.capitalize()) for e in EFFORTS)),
            SessionConfigOption(id="max_tokens", name="Max output tokens", category="model_config",
                                current_value=str(self.max_tokens), options=opts((v, v) for v in MAX_TOKENS)),
        ]

    def set_option(self, config_id: str, value: str | bool) -> None:
        value = str(value)
        if config_id == "mode":
            self.set_mode(value)
        elif config_id == "model":
            if not value.startswith("claude-"):
                raise InvalidSetting(f"Unknown model {value!r}")
            self.model = value
        elif config_id == "effort":
            if value not in EFFORTS:
                raise InvalidSetting(f"Unknown effort {value!r}; choose one of {', '.join(EFFORTS)}")
            self.effort = value
        elif config_id == "max_tokens":
            if not value.isdigit() or not 1024 <= int(value) <= 128000:
                raise InvalidSetting(f"max_tokens must be a number between 1024 and 128000, not {value!r}")
            self.max_tokens = int(value)
        else:
            raise InvalidSetting(f"Unknown config option {config_id!r}; known: mode, model, effort, max_tokens")


def cost_usd(info: ModelInfo, usage: dict[str, int]) -> float:
    """Estimated price of one call: cache reads at 0.1x and 5-minute cache writes at 1.25x the input price."""
    per = 1_000_000
    return (
        usage.get("input_tokens", 0) * info.input_price
        + usage.get("cache_read_input_tokens", 0) * info.input_price * 0.1
        + usage.get("cache_creation_input_tokens", 0) * info.input_price * 1.25
        + usage.get("output_tokens", 0) * info.output_price
    ) / per
