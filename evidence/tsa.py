"""RFC 3161 timestamps of daily roots (rfc3161-client: request building, response parsing, and checks of the
signature, the certificate chain, the nonce and the message imprint)."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import Any

import httpx
from cryptography import x509
from rfc3161_client import (
    HashAlgorithm,
    PKIStatus,
    TimestampRequestBuilder,
    VerificationError,
    VerifierBuilder,
    decode_timestamp_response,
)

from dozor.errors import DozorError

_HASHES = {"2.16.840.1.101.3.4.2.1": "sha256", "2.16.840.1.101.3.4.2.2": "sha384", "2.16.840.1.101.3.4.2.3": "sha512"}


@dataclass(frozen=True)
class Token:
    """What a stored timestamp says, for people (the DER response is the evidence)."""

    gen_time: str
    serial: str
    policy: str


def describe(response: bytes) -> Token:
    tsr = decode_timestamp_response(response)
    info = tsr.tst_info
    return Token(info.gen_time.isoformat().replace("+00:00", "Z"), str(info.serial_number), info.policy.dotted_string)


def check(response: bytes, message: bytes, ca_pem: bytes | None, nonce: int | None = None) -> str | None:
    """Why ``response`` is not a valid timestamp of ``message``, or None.

    With ``ca_pem`` the signature and the TSA certificate's chain to that CA are checked too; without it
    only that the token covers the message (its imprint).
    """
    try:
        tsr = decode_timestamp_response(response)
    except ValueError:
        return "not an RFC 3161 timestamp response"
    if tsr.status not in (PKIStatus.GRANTED, PKIStatus.GRANTED_WITH_MODS):
        return f"the TSA refused (status {tsr.status}: {'; '.join(tsr.status_string)})"
    if ca_pem is None:
        imprint = tsr.tst_info.message_imprint
        name = _HASHES.get(imprint.hash_algorithm.dotted_string)
        if name is None:
            return f"unsupported hash algorithm {imprint.hash_algorithm.dotted_string}"
        if hashlib.new(name, message).digest() != imprint.message:
            return "the timestamp does not cover this root"
        return None
    try:
        builder = VerifierBuilder()
        for cert in x509.load_pem_x509_certificates(ca_pem):
            builder = builder.add_root_certificate(cert)
        if nonce is not None:
            builder = builder.nonce(nonce)
        builder.build().verify_message(tsr, message)
    except (VerificationError, ValueError) as exc:
        return f"timestamp check failed: {exc}"
    return None


def timestamp(url: str, message: bytes, ca_pem: bytes | None, timeout_s: float) -> dict[str, Any]:
    """Ask the TSA to timestamp ``message``; check the answer; return it as stored with a root."""
    request = (
        TimestampRequestBuilder()
        .data(message)
        .hash_algorithm(HashAlgorithm.SHA256)
        .nonce(nonce=True)
        .cert_request(cert_request=True)
        .build()
    )
    try:
        resp = httpx.post(
            url,
            content=request.as_bytes(),
            headers={"Content-Type": "application/timestamp-query"},
            timeout=timeout_s,
        )
    except httpx.HTTPError as exc:
        raise DozorError(f"TSA {url} unreachable ({type(exc).__name__}); check DOZOR_EVIDENCE_TSA_URL") from exc
    if resp.status_code != 200:
        raise DozorError(f"TSA {url} answered HTTP {resp.status_code}")
    problem = check(resp.content, message, ca_pem, request.nonce)
    if problem is not None:
        raise DozorError(f"TSA {url}: {problem}")
    token = describe(resp.content)
    return {
        "url": url,
        "response": base64.b64encode(resp.content).decode("ascii"),
        "gen_time": token.gen_time,
        "serial": token.serial,
        "policy": token.policy,
        "ca_pem": ca_pem.decode("ascii") if ca_pem is not None else None,
    }
