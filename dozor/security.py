"""How clients reach Elasticsearch and Kafka securely: the checks across settings (a bad combination
fails at start, naming the settings and the fix) and the Kafka client options built from them."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from pydantic import SecretStr

SASL = ("SASL_PLAINTEXT", "SASL_SSL")
TLS = ("SSL", "SASL_SSL")


class SecuritySettings(Protocol):
    """The fields of DozorSettings these checks read (a protocol: the settings module imports this one)."""

    @property
    def es_url(self) -> Any: ...
    @property
    def es_username(self) -> str | None: ...
    @property
    def es_password(self) -> SecretStr | None: ...
    @property
    def es_api_key(self) -> SecretStr | None: ...
    @property
    def es_ca(self) -> Path | None: ...
    @property
    def kafka_security_protocol(self) -> str: ...
    @property
    def kafka_sasl_mechanism(self) -> str | None: ...
    @property
    def kafka_username(self) -> str | None: ...
    @property
    def kafka_password(self) -> SecretStr | None: ...
    @property
    def kafka_ca(self) -> Path | None: ...


def _ca_problem(setting: str, path: Path | None) -> str | None:
    if path is None or path.is_file():
        return None
    return (
        f"{setting}={path}: no such file; point it at the CA certificate (PEM), "
        "for the local secure stack the one `dozor stack status` shows"
    )


def es_problems(s: SecuritySettings) -> list[str]:
    problems = []
    if (s.es_username is None) != (s.es_password is None):
        problems.append("give DOZOR_ES_USERNAME and DOZOR_ES_PASSWORD together, or neither")
    if s.es_api_key is not None and s.es_username is not None:
        problems.append("give DOZOR_ES_API_KEY or DOZOR_ES_USERNAME/DOZOR_ES_PASSWORD, not both: unset one")
    if s.es_ca is not None and urlsplit(str(s.es_url)).scheme != "https":
        problems.append(f"DOZOR_ES_CA is set but DOZOR_ES_URL={s.es_url} is not https: use an https:// URL")
    ca = _ca_problem("DOZOR_ES_CA", s.es_ca)
    return [*problems, ca] if ca else problems


def kafka_problems(s: SecuritySettings) -> list[str]:
    protocol, problems = s.kafka_security_protocol, []
    given = [
        name
        for name, value in (
            ("DOZOR_KAFKA_SASL_MECHANISM", s.kafka_sasl_mechanism),
            ("DOZOR_KAFKA_USERNAME", s.kafka_username),
            ("DOZOR_KAFKA_PASSWORD", s.kafka_password),
        )
        if value is not None
    ]
    if protocol in SASL:
        if s.kafka_sasl_mechanism is None:
            problems.append(
                f"DOZOR_KAFKA_SECURITY_PROTOCOL={protocol} needs DOZOR_KAFKA_SASL_MECHANISM "
                "(SCRAM-SHA-512 on the local secure stack)"
            )
        if s.kafka_username is None or s.kafka_password is None:
            problems.append(
                f"DOZOR_KAFKA_SECURITY_PROTOCOL={protocol} needs DOZOR_KAFKA_USERNAME and DOZOR_KAFKA_PASSWORD"
            )
        if protocol == "SASL_PLAINTEXT" and s.kafka_sasl_mechanism == "PLAIN":
            problems.append(
                "DOZOR_KAFKA_SASL_MECHANISM=PLAIN over SASL_PLAINTEXT sends the password in clear: "
                "set DOZOR_KAFKA_SECURITY_PROTOCOL=SASL_SSL"
            )
    elif given:
        problems.append(
            f"{', '.join(given)} set, but DOZOR_KAFKA_SECURITY_PROTOCOL={protocol} sends no credentials: "
            "set DOZOR_KAFKA_SECURITY_PROTOCOL=SASL_SSL, or unset them"
        )
    if s.kafka_ca is not None and protocol not in TLS:
        problems.append(
            f"DOZOR_KAFKA_CA is set, but DOZOR_KAFKA_SECURITY_PROTOCOL={protocol} uses no TLS: "
            "set it to SASL_SSL or SSL"
        )
    ca = _ca_problem("DOZOR_KAFKA_CA", s.kafka_ca)
    return [*problems, ca] if ca else problems


def client_security_problems(s: SecuritySettings) -> list[str]:
    return es_problems(s) + kafka_problems(s)


def kafka_options(s: SecuritySettings) -> dict[str, Any]:
    """kafka-python options for the settings' protocol, CA and SASL credentials (host names are checked
    against the brokers' certificates)."""
    options: dict[str, Any] = {"security_protocol": s.kafka_security_protocol}
    if s.kafka_security_protocol in TLS:
        options["ssl_check_hostname"] = True
        if s.kafka_ca is not None:
            options["ssl_cafile"] = str(s.kafka_ca)
    if s.kafka_security_protocol in SASL and s.kafka_password is not None:
        options["sasl_mechanism"] = s.kafka_sasl_mechanism
        options["sasl_plain_username"] = s.kafka_username
        options["sasl_plain_password"] = s.kafka_password.get_secret_value()
    return options
