"""The audit log on the secure stack (`dozor stack up --secure`, its own home and ports): the API principal
appends to it; the `dozor-reader` principal reads the posts but is refused the audit log; and the roles
`dozor kibana roles` prints, loaded into the node (its roles.yml) and given to a user each, read the
posts, never the audit log (but the admin role), and write nothing."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from elasticsearch import AuthenticationException, AuthorizationException, Elasticsearch

from dozor import es as des
from dozor.settings import DozorSettings
from dozor.stack.es_secure import pbkdf2_hash
from surfaces.audit import AuditLog
from surfaces.users import Role, User
from tests.support.secure_stack import SecureStack, start, stop

pytestmark = [pytest.mark.integration, pytest.mark.secure, pytest.mark.timeout(1800)]

POST = "dozor-posts-2026.10"
AUDIT = "dozor-audit"


def settings_of(stack: SecureStack, stage: str | None, **auth: str) -> DozorSettings:
    env = {**stack.env, **stack.credentials(stage)}
    fields: dict[str, Any] = {
        k.removeprefix("DOZOR_").lower(): v
        for k, v in env.items()
        if k.removeprefix("DOZOR_").lower() in DozorSettings.model_fields
    }
    if auth:  # another user of this Elasticsearch (the CA of the stack)
        fields.update(es_ca=str(stack.security / "ca.crt"), **auth)
    return DozorSettings(**fields)


@pytest.fixture(scope="module")
def secure() -> Iterator[SecureStack]:
    stack, _ = start()
    try:
        yield stack
    finally:
        stop(stack)


@pytest.fixture(scope="module")
def world(secure: SecureStack) -> Iterator[SecureStack]:
    """One post (written as the admin) and one audit entry (written as the API principal, the way the API does)."""
    admin_pw = secure.passwords()["elasticsearch"]["dozor-admin"]
    admin = des.client(settings_of(secure, None, es_username="dozor-admin", es_password=admin_pw))
    admin.index(index=POST, id="tg:1:1", document={"text": "повестка", "channel": {"id": 1}}, refresh=True)
    api = des.client(settings_of(secure, "api"))
    entry = AuditLog(api, settings_of(secure, "api"), "test").record(User("anna", Role.analyst), "search", query="x")
    api.indices.refresh(index=AUDIT)
    assert admin.get(index=AUDIT, id=entry)["found"]
    yield secure
    for client in (admin, api):
        client.close()


def _refused(call: Any) -> None:
    with pytest.raises(AuthorizationException) as refused:
        call()
    assert refused.value.meta.status == 403


def _reads_posts_not_the_audit_log(es: Elasticsearch) -> None:
    assert es.count(index=POST)["count"] == 1
    _refused(lambda: es.search(index=AUDIT, query={"match_all": {}}))
    _refused(lambda: es.count(index=AUDIT))
    # A wildcard over the prefix expands to the indices the user may read: the audit log is not among them.
    found = es.search(index="dozor-*", query={"match_all": {}}, size=100)["hits"]["hits"]
    assert {h["_index"] for h in found} == {POST}


def test_the_reader_principal_reads_posts_but_not_the_audit_log(world: SecureStack) -> None:
    reader = des.client(settings_of(world, "reader"))
    try:
        _reads_posts_not_the_audit_log(reader)
        _refused(lambda: reader.index(index=POST, id="tg:1:2", document={"text": "forged"}))
    finally:
        reader.close()


def _add_file_realm_people(stack: SecureStack, definitions: dict[str, Any], text: str) -> dict[str, str]:
    """The role definitions into the node's config/roles.yml and one user per role into its file realm
    (`users`, `users_roles`), as an operator would on a file realm; Elasticsearch reloads the files by
    itself. (This node, the integ-test-zip, cannot keep native roles or users: its security index needs
    the analysis-common module it lacks; `PUT _security/role` takes the same JSON on a full install.)"""
    config = next(stack.home.glob("es-*/config"))
    roles_yml = config / "roles.yml"
    passwords = {name: secrets.token_urlsafe(18) for name in definitions}
    users = {name: name.replace("_", "-") for name in definitions}
    with (config / "users").open("a") as fh:
        fh.writelines(f"{users[n]}:{pbkdf2_hash(pw)}\n" for n, pw in passwords.items())
    with (config / "users_roles").open("a") as fh:
        fh.writelines(f"{n}:{users[n]}\n" for n in definitions)
    with roles_yml.open("a") as fh:  # the command's YAML as it printed it: in place, owner and mode kept
        fh.write("\n" + text)
    return {users[n]: pw for n, pw in passwords.items()}


def _signed_in(settings: DozorSettings, role: str, timeout_s: float = 60) -> Elasticsearch:
    """A client of the new user once Elasticsearch has reloaded its files and knows the user and role."""
    es = des.client(settings)
    deadline = time.monotonic() + timeout_s
    last: object = None
    while True:
        try:
            last = es.security.authenticate()
            if last["roles"] == [role]:
                # The role itself is loaded too (an unknown role grants nothing): it reads posts.
                last = es.security.has_privileges(index=[{"names": [POST], "privileges": ["read"]}])
                if last["has_all_requested"]:
                    return es
        except AuthenticationException as exc:
            last = exc
        if time.monotonic() > deadline:
            raise AssertionError(f"{settings.es_username} not signed in with {role} in {timeout_s:.0f} s: {last}")
        time.sleep(1)


def test_the_kibana_roles_loaded_into_elasticsearch_hold(world: SecureStack) -> None:
    proc = world.run(None, "kibana", "roles", "--format", "yaml")
    assert proc.returncode == 0, proc.stderr
    definitions: dict[str, dict[str, Any]] = yaml.safe_load(proc.stdout)
    assert set(definitions) == {"dozor_kibana_viewer", "dozor_kibana_analyst", "dozor_kibana_admin"}
    accounts = _add_file_realm_people(world, definitions, proc.stdout)
    people: dict[str, Elasticsearch] = {}
    try:
        for role in definitions:
            user = role.replace("_", "-")
            people[role] = _signed_in(settings_of(world, None, es_username=user, es_password=accounts[user]), role)
        _reads_posts_not_the_audit_log(people["dozor_kibana_viewer"])
        _reads_posts_not_the_audit_log(people["dozor_kibana_analyst"])
        assert people["dozor_kibana_admin"].count(index=AUDIT)["count"] >= 1  # the admin role alone reads it
        for es in people.values():
            _refused(lambda es=es: es.index(index=POST, id="tg:1:3", document={"text": "forged"}))
            _refused(lambda es=es: es.delete(index=POST, id="tg:1:1"))
        _refused(lambda: people["dozor_kibana_admin"].index(index=AUDIT, id="forged", document={"user": "x"}))
    finally:
        for es in people.values():
            es.close()
