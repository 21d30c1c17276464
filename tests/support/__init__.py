"""Test scaffolding shared by unit and integration tests (never installed with Dozor): records, topics,
indices and servers on the shared stack, an offline Telegram client, a blob-store fake, a local RFC 3161
authority, and the sample corpus builder."""
