"""Test scaffolding shared by unit and integration tests."""
