"""Kafka's side of the secure stack. Clients connect to SASL_SSL (SCRAM-SHA-512) on the bootstrap
port; the controller (bootstrap port + 1) and the broker's own listener (+ 2) take only mutual TLS
with the stack's certificate, whose principal `User:CN=kafka` is a super user beside `dozor-admin`.
So no password sits in server.properties, and the stack sets up users and ACLs through that internal
listener with the certificate alone. StandardAuthorizer: what no ACL allows is refused."""

from __future__ import annotations

from kafka import KafkaAdminClient
from kafka.admin import (
    ACL,
    ACLOperation,
    ACLPermissionType,
    ResourcePattern,
    ResourceType,
    ScramMechanism,
    UserScramCredentialUpsertion,
)
from kafka.errors import KafkaError

from dozor.errors import DozorError
from dozor.stack.endpoints import Endpoints
from dozor.stack.principals import ADMIN, TopicAcl
from dozor.stack.secure import KAFKA_DN, Security

MECHANISM = "SCRAM-SHA-512"
SCRAM_ITERATIONS = 8192


def listener_properties(ep: Endpoints, security: Security) -> list[str]:
    host, port, ctl, internal = ep.kafka_host, ep.kafka_port, ep.controller_port, ep.kafka_internal_port
    return [
        f"listeners=SASL_SSL://{host}:{port},CONTROLLER://{host}:{ctl},INTERNAL://{host}:{internal}",
        f"advertised.listeners=SASL_SSL://{host}:{port},INTERNAL://{host}:{internal}",
        "controller.listener.names=CONTROLLER",
        "inter.broker.listener.name=INTERNAL",
        "listener.security.protocol.map=SASL_SSL:SASL_SSL,CONTROLLER:SSL,INTERNAL:SSL",
        f"sasl.enabled.mechanisms={MECHANISM}",
        # The server side of SCRAM needs the login module, never a password: the users live in KRaft metadata.
        "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config="
        "org.apache.kafka.common.security.scram.ScramLoginModule required;",
        "ssl.keystore.type=PEM",
        f"ssl.keystore.location={security.kafka_pem}",
        "ssl.truststore.type=PEM",
        f"ssl.truststore.location={security.ca}",
        "listener.name.controller.ssl.client.auth=required",
        "listener.name.internal.ssl.client.auth=required",
        "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
        f"super.users=User:{KAFKA_DN};User:{ADMIN}",
        "allow.everyone.if.no.acl.found=false",
    ]


def internal_admin(ep: Endpoints, security: Security, timeout_s: float = 5.0) -> KafkaAdminClient:
    """An admin client on the internal listener, authenticated by the broker's certificate."""
    return KafkaAdminClient(
        bootstrap_servers=[f"{ep.kafka_host}:{ep.kafka_internal_port}"],
        security_protocol="SSL",
        ssl_cafile=str(security.ca),
        ssl_certfile=str(security.cert("kafka")),
        ssl_keyfile=str(security.key("kafka")),
        request_timeout_ms=int(timeout_s * 1000),
        client_id="dozor-stack",
    )


def _acl(grant: TopicAcl, operation: str) -> ACL:
    kind = ResourceType.TOPIC if grant.resource == "topic" else ResourceType.GROUP
    return ACL(
        principal=f"User:{grant.user}",
        host="*",
        operation=ACLOperation[operation],
        permission_type=ACLPermissionType.ALLOW,
        resource_pattern=ResourcePattern(kind, grant.name),
    )


def apply_grants(ep: Endpoints, security: Security, grants: list[TopicAcl]) -> None:
    """The SCRAM users (passwords from the secrets file) and every principal's ACLs; both idempotent."""
    try:
        admin = internal_admin(ep, security, timeout_s=15.0)
    except (KafkaError, OSError) as exc:
        raise DozorError(f"Kafka's internal listener refused the stack's certificate ({type(exc).__name__})") from None
    try:
        upserts = [
            UserScramCredentialUpsertion(
                user, ScramMechanism.SCRAM_SHA_512, pw.get_secret_value(), iterations=SCRAM_ITERATIONS
            )
            for user, pw in security.passwords("kafka").items()
        ]
        failed = {user: why for user, why in admin.alter_user_scram_credentials(upserts).items() if why}
        if failed:
            raise DozorError(f"Kafka refused SCRAM users: {failed}")
        acls = [_acl(g, op) for g in grants for op in g.operations]
        result = admin.create_acls(acls)
        if result["failed"]:
            raise DozorError(f"Kafka refused {len(result['failed'])} ACLs: {result['failed'][0]}")
    except KafkaError as exc:
        raise DozorError(f"setting up Kafka users and ACLs failed: {type(exc).__name__}: {exc}") from None
    finally:
        admin.close()
