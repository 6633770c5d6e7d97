"""The one settings object. Read from `KESHENG_*` environment variables and `.env`."""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.errors import ConfigError
from core.kinds import Role


class OutputScript(StrEnum):
    """Which Chinese script transcripts are written in."""

    simplified = "simplified"
    traditional = "traditional"
    spoken = "spoken"  # whichever script dominates the transcript, applied to all of it


class Settings(BaseSettings):
    """Everything configurable in kesheng; passed down as an argument, never re-read."""

    model_config = SettingsConfigDict(env_prefix="KESHENG_", env_file=".env", extra="ignore")

    data_dir: Path = Field(Path("./kesheng-data"), description="database and audio store")
    database_url: str | None = Field(None, description="SQLAlchemy URL; default SQLite in data_dir")

    # Speech recognition
    asr_model: str = Field(
        "base",
        description="faster-whisper size name (tiny, base, small, large-v3...) or a CT2 directory; "
        "'base' uses the bundled offline model when installed",
    )
    asr_device: str = Field("auto", description="cpu, cuda or auto")
    asr_compute_type: str = Field("auto", description="int8 on CPU, float16 on CUDA when auto")
    asr_cpu_threads: int = Field(0, description="0: one per core")
    asr_beam_size: int = 5
    asr_window_seconds: float = Field(
        30.0,
        ge=1,
        le=30,
        description="speech per Whisper call, cut at a pause (shorter windows fall back to sampling more often)",
    )
    asr_batch_size: int = Field(
        0,
        ge=0,
        description="above 1: faster-whisper's batched pipeline, this many windows per call; "
        "0: 8 on a GPU, 1 (not batched) on CPU, where batching measured slower",
    )
    asr_language: str | None = Field("zh", description="None lets Whisper detect")
    asr_initial_prompt: str = "以下是普通话的句子。"
    output_script: OutputScript = OutputScript.simplified
    vocabulary_file: Path | None = Field(
        None,
        description="your domain terms, one per line, with optional [industry NAME] and [branch CODE INDUSTRY] "
        "sections; read again when it changes; default data_dir/vocabulary.txt (what the admin API edits)",
    )
    asr_hotwords: bool = Field(True, description="pass the terms chosen for each recording to Whisper as hotwords")
    asr_industry: str = Field(
        "",
        description="industry of recordings whose branch names none (bank, telecom, insurance, retail; 'all': "
        "every section): its built-in terms become hotwords; empty: only your terms (built-in ones cost accuracy "
        "on general speech)",
    )
    asr_hotword_tokens: int = Field(
        120, ge=1, le=223, description="prompt tokens for hotwords (Whisper keeps at most 223); whole terms only"
    )
    asr_correction: bool = Field(
        True, description="after decoding, replace words that sound exactly like a vocabulary term (贵台 → 柜台)"
    )
    asr_guards: bool = Field(True, description="drop subtitle credits, loops and text invented on silence")
    asr_temperature_fallback: bool = Field(
        False,
        description="Whisper's fallback: decode a doubtful window again, sampling at rising temperatures "
        "(measured: no CER gain on any set, up to 7x the CPU on hard audio)",
    )
    asr_min_chars_per_second: float = Field(
        2.0, ge=0, description="text thinner than this over a pause means skipped speech; decoding goes on there"
    )
    model_cache: Path | None = Field(None, description="where the bundled model is assembled; default data_dir/models")

    # Stereo call recordings: which channel is who, in channel order.
    stereo_roles: str = "staff,customer"

    # Limits on input
    max_upload_mb: int = 200
    max_audio_seconds: float = 4 * 3600

    # NLP
    nlp_model_dir: Path | None = Field(
        None, description="a transformers sequence-classification directory per task (see README)"
    )
    complaint_threshold: float | None = Field(
        None,
        ge=0.0,
        le=1.0,
        description="p(complaint) at which an utterance is flagged on its own, so that its conversation holds a "
        "complaint: higher for precision, lower for recall; default: the one chosen with the models",
    )
    complaint_evidence_threshold: float | None = Field(
        None,
        ge=0.0,
        le=1.0,
        description="p(complaint) at which the other customer utterances of a conversation that holds a "
        "complaint join it as evidence (never above the threshold); default: the one chosen with the models",
    )

    # Capture devices
    agent_dir: Path = Field(Path("~/.kesheng-agent"), description="the agent's token and spool")
    enrolment_hours: float = Field(24.0, description="how long a device enrolment code stays valid")
    max_utterance_seconds: float = Field(60.0, description="longest live utterance the server accepts")
    live_beam_size: int | None = Field(
        None, ge=1, description="beam size for live utterances; default: asr_beam_size (greedy is faster but worse)"
    )
    live_queue_limit: int = Field(
        500, description="live utterances waiting to be transcribed before agents are told 503 + Retry-After"
    )

    # Service
    api_key: str | None = Field(None, description="required by the API; serve generates one if unset")
    broker_url: str | None = Field(
        None, description="redis://host:6379/0 (or amqp://): Dramatiq workers (`kesheng worker`) instead of the pool"
    )
    workers: int = Field(1, ge=0, description="embedded worker threads; 0 when `kesheng worker` runs elsewhere")
    poll_interval: float = 0.5
    job_lease_seconds: float = Field(
        60.0, gt=0, description="a running job whose worker is silent this long is taken over by another"
    )
    job_max_attempts: int = Field(3, ge=1, description="tries before a job whose worker keeps dying is dead-lettered")

    # Review workspace
    display_timezone: str = Field("Asia/Shanghai", description="the web UI shows times in this zone")
    session_hours: float = Field(12.0, gt=0, description="how long a web sign-in lasts")
    secure_cookies: bool = Field(False, description="mark the session cookie Secure (set it behind HTTPS)")
    webhook_url: str | None = Field(None, description="POSTed a signed JSON alert for each high-severity complaint")
    webhook_secret: str | None = Field(None, description="HMAC-SHA256 key for the X-Kesheng-Signature header")
    webhook_max_attempts: int = Field(8, ge=1, description="tries before a webhook delivery is marked failed")
    webhook_backoff_seconds: float = Field(5.0, gt=0, description="first retry delay; doubles each try, max 1 h")
    alert_severity: str = Field("high", description="complaints at or above this severity raise a webhook alert")
    wecom_webhook_url: str | None = Field(
        None, description="a 企业微信 group robot (https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=...) for alerts"
    )
    dingtalk_webhook_url: str | None = Field(
        None, description="a 钉钉 group robot (https://oapi.dingtalk.com/robot/send?access_token=...) for alerts"
    )
    dingtalk_secret: str | None = Field(None, description="the 钉钉 robot's 加签 secret (SEC...), when it has one")
    case_reopen_days: float = Field(
        30.0,
        ge=0,
        description="a customer's complaint in the same category this many days from their open or resolved case "
        "joins it (reopening it) instead of starting another; 0: never",
    )
    zoho_accounts_url: str = Field(
        "https://accounts.zoho.com.cn", description="the Zoho Accounts server of your data centre (.com.cn, .com, …)"
    )
    zoho_client_id: str | None = Field(None, description="a Zoho self client's id (api-console.zoho.com.cn)")
    zoho_customers: str = Field(
        "Accounts", pattern="^(Accounts|Contacts)$", description="where your customers are kept: Accounts or Contacts"
    )
    zoho_client_secret: str | None = None
    zoho_refresh_token: str | None = Field(
        None, description="its refresh token, scopes ZohoCRM.modules.accounts.READ, deals.READ, cases.ALL"
    )
    fxiaoke_url: str = Field("https://open.fxiaoke.com", description="the 纷享销客 OpenAPI gateway")
    fxiaoke_app_id: str | None = Field(None, description="the 纷享销客 app's id (FSAID_…)")
    fxiaoke_app_secret: str | None = None
    fxiaoke_permanent_code: str | None = Field(None, description="the company's permanent authorisation code")
    fxiaoke_open_user_id: str | None = Field(None, description="the user the calls act as (FSUID_…)")
    fxiaoke_status_field: str | None = Field(
        None, description="the status field of your CasesObj (工单), where case statuses are to be kept in step"
    )
    crm_case_url: str | None = Field(
        None,
        description="where the CRM shows a pushed case, {id} for its record id, e.g. "
        "https://crm.zoho.com.cn/crm/org123/tab/Cases/{id}: the case page links there",
    )
    churn_days: float = Field(
        180.0, gt=0, description="a customer with no purchase for this many days is in the churned (流失) stage"
    )
    case_due_days: dict[str, float] = Field(
        {"high": 2.0, "medium": 7.0, "low": 15.0},
        description="days from the first contact by which a case of each severity is due to be resolved "
        "(banking and insurance rules allow at most 15), as JSON",
    )

    # Data protection (PIPL)
    audio_retention_days: float | None = Field(
        None, gt=0, description="delete audio files this many days after recording; transcripts stay, redacted"
    )

    @field_validator("display_timezone")
    @classmethod
    def _check_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}, e.g. Asia/Shanghai") from exc
        return value

    @field_validator("stereo_roles")
    @classmethod
    def _check_roles(cls, value: str) -> str:
        try:
            parse_roles(value)
        except ConfigError as exc:  # pydantic reports only ValueError as a validation error
            raise ValueError(str(exc)) from exc
        return value

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to SQLite inside data_dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'kesheng.db').resolve()}"

    @property
    def audio_dir(self) -> Path:
        """Where recordings are stored, content-addressed."""
        return self.data_dir / "audio"

    @property
    def vocabulary_path(self) -> Path:
        """The user's vocabulary file: KESHENG_VOCABULARY_FILE, else vocabulary.txt in the data directory."""
        return self.vocabulary_file or self.data_dir / "vocabulary.txt"

    @property
    def model_cache_dir(self) -> Path:
        """Where the bundled Whisper model is assembled on first use."""
        return self.model_cache or self.data_dir / "models"

    @property
    def trained_model_file(self) -> Path:
        """Where `kesheng nlp train` writes the retrained models; the service loads them when present."""
        return self.data_dir / "models" / "nlp.joblib"

    @property
    def role_map(self) -> tuple[str, ...]:
        """The stereo channel→role map as a tuple, channel 0 first."""
        return parse_roles(self.stereo_roles)


ROLES = tuple(Role)


def parse_roles(value: str) -> tuple[str, ...]:
    """Parse 'staff,customer' into a role per channel, refusing unknown roles."""
    roles = tuple(part.strip() for part in value.split(",") if part.strip())
    if not roles:
        raise ConfigError("a role map needs at least one role, e.g. 'staff,customer'")
    bad = [r for r in roles if r not in ROLES]
    if bad:
        raise ConfigError(f"unknown role(s) {bad}; use {', '.join(ROLES)}")
    return roles


@lru_cache
def get_settings() -> Settings:
    """Settings from the environment, read once per process."""
    return Settings()
