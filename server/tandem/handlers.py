"""Which AgentService method serves each wire method: the table both doors dispatch through (import-light)."""

HANDLERS: dict[str, str] = {
    "session/new": "new_session",
    "session/load": "load_session",
    "session/resume": "resume_session",
    "session/list": "list_sessions",
    "session/close": "close_session",
    "session/delete": "delete_session",
    "session/prompt": "prompt",
    "session/cancel": "cancel",
    "session/set_mode": "set_mode",
    "session/set_config_option": "set_config_option",
    "_tandem/info": "info",
    "_tandem/review/list": "review_list",
    "_tandem/review/revert": "review_revert",
    "_tandem/rewind": "rewind",
    "_tandem/inlineEdit": "inline_edit",
}
