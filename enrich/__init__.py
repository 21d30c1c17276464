"""Dozor's enrich stage: ``posts.raw`` -> ``posts.enriched`` (docs/architecture.md).

Adds ``lang``, ``lang_score``, ``script``, ``topics``, ``topic_hits``, ``text_norm``, ``text_stem``,
``entities``, ``simhash`` and ``enriched_at`` to each post. ``topic_hits`` maps each topic to the words
of the post that matched it, as the post writes them ("Гражданства", "Rossiya fuqaroligini"): what a
reader can find in the text, not the taxonomy's patterns ("гражданств*").

What other packages use (kept stable):
- :func:`enrich.analysis.analyze`, :func:`enrich.analysis.normalize`,
  :func:`enrich.analysis.query_languages`: the same text analysis for query terms as for posts;
- :func:`enrich.pipeline.enrich_record`: the pure per-record enrichment;
- :func:`enrich.language.detect`: ``(lang, score, script)``.

The topic taxonomy is data: ``enrich/taxonomy.yaml`` (or ``--taxonomy`` / ``DOZOR_ENRICH_TAXONOMY``).
Accuracy on labelled data: ``python -m enrich.evaluate FILE``; speed: ``bench/bench_enrich.py``.
"""
