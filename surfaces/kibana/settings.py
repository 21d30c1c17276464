"""Settings of `dozor kibana setup` (env prefix DOZOR_). Without Kibana credentials of its own, the
command authenticates with the Elasticsearch ones (Kibana accepts the same users)."""

from __future__ import annotations

from pydantic import AnyHttpUrl, Field, SecretStr

from search.settings import SearchSettings


class KibanaSettings(SearchSettings):
    kibana_url: AnyHttpUrl = Field(AnyHttpUrl("http://127.0.0.1:5601"), description="Kibana base URL")
    kibana_username: str | None = Field(None, description="Kibana user (default: DOZOR_ES_USERNAME)")
    kibana_password: SecretStr | None = Field(None, description="Kibana password (default: DOZOR_ES_PASSWORD)")
    kibana_api_key: SecretStr | None = Field(None, description="Kibana API key (default: DOZOR_ES_API_KEY)")
    kibana_space: str | None = Field(None, description="Kibana space to install into (default space if unset)")
    kibana_timeout_s: float = Field(60.0, gt=0, description="how long setup waits for Kibana to answer")
