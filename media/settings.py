"""Settings of the media store (env prefix ``DOZOR_``; sources and errors as in dozor.settings).

The location fields (``DOZOR_MEDIA_URL``, ``DOZOR_MEDIA_S3_ENDPOINT|REGION|KEY|SECRET``) come from
:class:`dozor.settings.BlobSettings`, which the local stack reads too (it runs the S3 server)."""

from __future__ import annotations

from pydantic import Field

from dozor.settings import BlobSettings


class MediaSettings(BlobSettings):
    media_quota_mb: int = Field(
        0, ge=0, description="blob store quota in MB (0 = none); a file over it is skipped with a reason"
    )
    media_fsync: bool = Field(
        True,
        description="fsync each local blob before renaming it into place (survives power loss; "
        "false speeds up bulk imports)",
    )

    @property
    def media_quota_bytes(self) -> int:
        return self.media_quota_mb * 1024 * 1024
