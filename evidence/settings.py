"""Evidence settings (env prefix DOZOR_): the optional RFC 3161 time-stamping authority for daily roots."""

from __future__ import annotations

from pathlib import Path

from pydantic import AnyHttpUrl, Field, field_validator

from dozor.settings import DozorSettings


class EvidenceSettings(DozorSettings):
    evidence_tsa_url: AnyHttpUrl | None = Field(
        None, description="RFC 3161 time-stamping authority URL; daily roots are timestamped when set"
    )
    evidence_tsa_ca: Path | None = Field(
        None, description="PEM file with the TSA's CA certificate(s); seal checks every timestamp against it"
    )
    evidence_tsa_timeout_s: float = Field(30.0, gt=0, description="seconds to wait for the TSA")
    evidence_seal_grace_s: float = Field(
        600.0, ge=0, description="a day is sealed only this long after it ended (UTC), so late appends land first"
    )
    evidence_batch: int = Field(500, ge=1, le=10_000, description="records per batch of the evidence stage")

    @field_validator("evidence_tsa_ca")
    @classmethod
    def _ca_exists(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"{value}: no such file; point it at the TSA's CA certificate (PEM)")
        return value
