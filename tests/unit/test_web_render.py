"""Web UI pieces that need no services: escaping of snippets, diffs, gaps, CSV cells, redirects."""

from __future__ import annotations

from starlette.datastructures import ImmutableMultiDict

from surfaces.exports import CSV_COLUMNS, csv_row
from surfaces.web.auth import safe_next
from surfaces.web.channels import gap_ranges
from surfaces.web.params import UIQuery
from surfaces.web.posts import word_diff
from surfaces.web.render import highlight


def test_highlight_escapes_everything_but_dozors_marks() -> None:
    html = highlight('<mark>мигранты</mark> <script>x()</script> <img src=x onerror="y()"> <b>')
    assert str(html) == (
        "<mark>мигранты</mark> &lt;script&gt;x()&lt;/script&gt; &lt;img src=x onerror=&#34;y()&#34;&gt; &lt;b&gt;"
    )
    assert str(highlight("<mark><i>a</i></mark>")) == "<mark>&lt;i&gt;a&lt;/i&gt;</mark>"


def test_word_diff_marks_deleted_and_inserted_words() -> None:
    before, after = word_diff("Патент стоит 7 тысяч.", "Патент стоит 9 тысяч рублей.")
    assert [p for p in before if p[0] == "del"] == [("del", "7")]
    assert [p for p in after if p[0] == "ins"] == [("ins", "9"), ("ins", " рублей")]
    assert "".join(t for _, t in before) == "Патент стоит 7 тысяч."
    assert "".join(t for _, t in after) == "Патент стоит 9 тысяч рублей."


def test_gap_ranges_biggest_first() -> None:
    assert gap_ranges([1, 2, 5, 6, 20, 21, 23]) == [(7, 19), (3, 4), (22, 22)]
    assert gap_ranges([3, 4, 5]) == []


def test_csv_cells_that_a_spreadsheet_would_run_are_defused() -> None:
    row = csv_row({"id": "tg:1:2", "text": '=HYPERLINK("http://x")', "topics": ["a", "b"], "channel": {}})
    cells = dict(zip(CSV_COLUMNS, row, strict=True))
    assert cells["text"] == '\'=HYPERLINK("http://x")'
    assert cells["topics"] == "a;b"


def test_next_after_login_stays_on_this_site() -> None:
    assert safe_next("/ui/alerts?rule=x") == "/ui/alerts?rule=x"
    for bad in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "", None, "javascript:alert(1)"):
        assert safe_next(bad) == "/ui/search"


def test_ui_query_round_trips_and_toggles_facets() -> None:
    ui = UIQuery.from_values(
        ImmutableMultiDict([("q", "мигранты"), ("lang", "ru,uz"), ("script", "Cyrl"), ("deleted", "1"), ("page", "3")])
    )
    assert ui.lists["lang"] == ["ru", "uz"] and ui.include_deleted and ui.page == 3
    assert ui.filters().lang == ["ru", "uz"]
    assert ui.extra() == [{"terms": {"script": ["Cyrl"]}}]
    assert ui.saved_query() == "(мигранты) AND script:(Cyrl)"
    again = UIQuery.from_values(ImmutableMultiDict(ui.pairs()))
    assert again.pairs() == ui.pairs()
    assert "lang=uz" not in ui.toggled("lang", "uz") and "page" not in ui.toggled("lang", "uz")
    assert "topic=migration" in ui.toggled("topic", "migration")
