"""Interface labels in English and Russian. The language comes from the `ui` cookie (set by the
switch in the header), else from the browser's Accept-Language. Plural forms follow CLDR's rules
through Babel (Russian has three: 1 пост, 2 поста, 5 постов, 21 пост), numbers and durations are
Babel's too; topic names come from the taxonomy (its `labels`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from babel import Locale
from babel.dates import format_timedelta
from babel.numbers import format_decimal
from fastapi import Request

from surfaces.web.i18n_comments import COMMENT_WORDS
from surfaces.web.i18n_desk import DESK_LABELS
from surfaces.web.i18n_discovery import DISCOVERY_LABELS

LANGS = ("en", "ru")
COOKIE = "dozor_ui_lang"

# Words with a count: CLDR plural category -> text ("other" is required).
PLURALS: dict[str, dict[str, dict[str, str]]] = {
    "en": {"posts": {"one": "{n} post", "other": "{n} posts"}},
    "ru": {"posts": {"one": "{n} пост", "few": "{n} поста", "many": "{n} постов", "other": "{n} поста"}},
}

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "app": "Dozor",
        "nav.search": "Search",
        "nav.searches": "Saved searches",
        "nav.alerts": "Alerts",
        "nav.channels": "Channels",
        "nav.audit": "Audit",
        "redacted.note": "Phone numbers and private persons' names are masked for your role.",
        "nav.cases": "Cases",
        "desk.tags": "Tags",
        "desk.notes": "Notes",
        "desk.add_tag": "Add tag",
        "desk.add_note": "Add note",
        "desk.cases": "Cases",
        "desk.add_to_case": "Add to case",
        "desk.new_case": "New case",
        "desk.case_name": "Name",
        "desk.description": "Description",
        "desk.remove": "Remove",
        "desk.none": "No cases yet.",
        "nav.stories": "Stories",
        "story.list": "Stories by spread",
        "story.list_help": "Posts that say the same thing across channels: cross-posts, reposts, edits.",
        "story.all_time": "all time",
        "story.none": "No story with more than one post yet.",
        "story.first_post": "First post",
        "story.channels": "Channels",
        "story.posts": "Posts",
        "story.latest": "Latest",
        "story.title": "Story",
        "story.first_seen": "First seen",
        "story.not_found": "No such story.",
        "story.also": "Also posted in",
        "story.open": "Story timeline",
        "nav.logout": "Log out",
        "login.title": "Log in",
        "login.token": "Access token",
        "login.submit": "Log in",
        "login.bad": "This token is not valid.",
        "login.wait": "Too many failed attempts from this address. Try again in {s} s.",
        "login.hint": "Use one of the tokens in DOZOR_API_TOKENS. It is kept in an HttpOnly cookie.",
        "search.query": "Query",
        "search.submit": "Search",
        "search.help": 'Lucene syntax: AND OR NOT, "phrases", field:value, wildcards*. * lists every post.',
        "f.topic": "Topic",
        "f.lang": "Language",
        "f.script": "Script",
        "f.channel": "Channel",
        "f.category": "Category",
        "f.country": "Country",
        "f.tag": "Tag",
        "f.since": "From",
        "f.until": "To",
        "f.include_deleted": "Include deleted posts",
        "f.any": "any",
        "search.none": "No posts match.",
        "search.per_day": "Posts per day",
        "search.facets": "Refine",
        "search.export": "Export",
        "search.save": "Save this search",
        "search.save_name": "Name",
        "search.prev": "Previous",
        "search.next": "Next",
        "search.page": "Page {page} of {pages}",
        "post.open": "Open",
        "post.telegram": "on t.me",
        "post.deleted": "Deleted",
        "post.edited": "Edited",
        "post.forwarded": "Forwarded from",
        "post.topics": "Topics",
        "post.matched": "matched terms",
        "post.history": "Edit history",
        "post.no_history": "No edits recorded.",
        "post.before": "Before",
        "post.after": "After",
        "post.views": "Views",
        "post.category": "Category",
        "post.not_found": "No such post.",
        "media.title": "Media",
        "media.in_image": "in an image",
        "media.image": "Image",
        "media.thumbnail": "Thumbnail",
        "media.ocr": "Text in the image",
        "media.ocr_none": "no text found",
        "media.bundle": "Download evidence bundle",
        "media.similar": "Other posts with the same or a near-identical image",
        "media.similar_none": "None found.",
        "media.date": "Posted",
        "media.first_seen": "First seen",
        "media.match": "Match",
        "media.same_file": "same file",
        "media.near": "near-identical ({bits} bits apart)",
        "media.status.stored": "stored",
        "media.status.pending": "not stored yet",
        "media.status.no_file": "no file",
        "media.status.skipped": "not kept",
        "media.status.missing": "missing",
        "media.status.failed": "download failed",
        "media.status.rejected": "rejected",
        "saved.title": "Saved searches",
        "saved.none": "No saved searches yet: run a search and save it.",
        "saved.new": "New since last visit",
        "saved.open": "Open",
        "saved.edit": "Edit",
        "saved.delete": "Delete",
        "saved.save": "Save",
        "saved.query": "Query",
        "saved.filters": "Filters",
        "saved.active": "Active (alerts on new matches)",
        "saved.confirm_delete": "Delete this saved search?",
        "alerts.title": "Alerts",
        "alerts.none": "No alerts.",
        "alerts.rule": "Rule",
        "alerts.all_rules": "all rules",
        "alerts.unacked": "Only not acknowledged",
        "alerts.ack": "Acknowledge selected",
        "alerts.ack_one": "Acknowledge",
        "alerts.acked": "acknowledged",
        "alerts.fired": "Fired",
        "alerts.post": "Post",
        "alerts.filter": "Filter",
        "channels.title": "Channels",
        "channels.channel": "Channel",
        "channels.last_post": "Last post",
        "channels.posts": "Posts",
        "channels.per_day": "Posts/day",
        "channels.missing": "Missing ids",
        "channels.coverage": "Coverage",
        "channels.gaps": "Gaps (recent ids)",
        "channels.in_registry": "in registry",
        "channels.not_in_registry": "not in registry",
        "channels.no_posts": "no posts yet",
        "channels.no_registry": "No registry file at {path}: showing the channels found in the index.",
        "error.title": "Something is wrong",
        "category.official": "official",
        "category.migrant_community": "migrant community",
        "category.media": "media",
        "category.other": "other",
        "post.hidden": "Hidden characters, marked in the text",
        "post.hidden.bidi": "changes the direction of the text after it",
        "post.hidden.other": "invisible",
        "channels.deleted": "{n} deleted, not counted",
        "channels.posts_hint": "Posts search finds (deleted ones left out); deleted posts still count as seen ids.",
        "alert.match.new": "New post in {channel} matches {rule}",
        "alert.match.edited": "Edited post in {channel} matches {rule}",
        "alert.official.edit": "Official channel {channel} edited post {message_id}",
        "alert.official.delete": "Official channel {channel} deleted post {message_id}",
        "alert.frequency": "{posts} matching {rule} in the last {window} (threshold {threshold})",
        "alert.spike": "{posts} matching {rule} in the last {window}, {expected} expected",
        "alert.flatline": "{channel} silent for {silent} (usually a post every {usual}); coverage may be lost",
    },
    "ru": {
        "app": "Дозор",
        "nav.search": "Поиск",
        "nav.searches": "Сохранённые поиски",
        "nav.alerts": "Оповещения",
        "nav.channels": "Каналы",
        "nav.audit": "Журнал",
        "redacted.note": "Телефоны и имена частных лиц скрыты для вашей роли.",
        "nav.cases": "Дела",
        "desk.tags": "Метки",
        "desk.notes": "Заметки",
        "desk.add_tag": "Добавить метку",
        "desk.add_note": "Добавить заметку",
        "desk.cases": "Дела",
        "desk.add_to_case": "Добавить в дело",
        "desk.new_case": "Новое дело",
        "desk.case_name": "Название",
        "desk.description": "Описание",
        "desk.remove": "Убрать",
        "desk.none": "Дел пока нет.",
        "nav.stories": "Сюжеты",
        "story.list": "Сюжеты по охвату",
        "story.list_help": "Посты об одном и том же в разных каналах: кросспосты, репосты, правки.",
        "story.all_time": "за всё время",
        "story.none": "Пока нет сюжетов из нескольких постов.",
        "story.first_post": "Первый пост",
        "story.channels": "Каналы",
        "story.posts": "Посты",
        "story.latest": "Последний",
        "story.title": "Сюжет",
        "story.first_seen": "Впервые замечен",
        "story.not_found": "Такого сюжета нет.",
        "story.also": "Также опубликовано в",
        "story.open": "Хронология сюжета",
        "nav.logout": "Выйти",
        "login.title": "Вход",
        "login.token": "Токен доступа",
        "login.submit": "Войти",
        "login.bad": "Этот токен не подходит.",
        "login.wait": "Слишком много неудачных попыток с этого адреса. Повторите через {s} с.",
        "login.hint": "Один из токенов DOZOR_API_TOKENS. Он хранится в HttpOnly-cookie.",
        "search.query": "Запрос",
        "search.submit": "Найти",
        "search.help": 'Синтаксис Lucene: AND OR NOT, "фразы", поле:значение, маски*. * — все посты.',
        "f.topic": "Тема",
        "f.lang": "Язык",
        "f.script": "Письменность",
        "f.channel": "Канал",
        "f.category": "Категория",
        "f.country": "Страна",
        "f.tag": "Метка",
        "f.since": "С",
        "f.until": "По",
        "f.include_deleted": "Показывать удалённые посты",
        "f.any": "любая",
        "search.none": "Ничего не найдено.",
        "search.per_day": "Постов в день",
        "search.facets": "Уточнить",
        "search.export": "Экспорт",
        "search.save": "Сохранить поиск",
        "search.save_name": "Название",
        "search.prev": "Назад",
        "search.next": "Дальше",
        "search.page": "Страница {page} из {pages}",
        "post.open": "Открыть",
        "post.telegram": "в t.me",
        "post.deleted": "Удалён",
        "post.edited": "Изменён",
        "post.forwarded": "Переслано из",
        "post.topics": "Темы",
        "post.matched": "совпавшие слова",
        "post.history": "История правок",
        "post.no_history": "Правок не было.",
        "post.before": "Было",
        "post.after": "Стало",
        "post.views": "Просмотры",
        "post.category": "Категория",
        "post.not_found": "Такого поста нет.",
        "media.title": "Медиа",
        "media.in_image": "на изображении",
        "media.image": "Изображение",
        "media.thumbnail": "Миниатюра",
        "media.ocr": "Текст на изображении",
        "media.ocr_none": "текста нет",
        "media.bundle": "Скачать пакет доказательств",
        "media.similar": "Другие посты с тем же или почти таким же изображением",
        "media.similar_none": "Не найдено.",
        "media.date": "Опубликован",
        "media.first_seen": "Впервые замечен",
        "media.match": "Совпадение",
        "media.same_file": "тот же файл",
        "media.near": "почти такое же (различие {bits} бит)",
        "media.status.stored": "сохранён",
        "media.status.pending": "ещё не сохранён",
        "media.status.no_file": "без файла",
        "media.status.skipped": "не сохраняется",
        "media.status.missing": "отсутствует",
        "media.status.failed": "не скачан",
        "media.status.rejected": "отклонён",
        "saved.title": "Сохранённые поиски",
        "saved.none": "Сохранённых поисков пока нет: выполните поиск и сохраните его.",
        "saved.new": "Новых с прошлого визита",
        "saved.open": "Открыть",
        "saved.edit": "Изменить",
        "saved.delete": "Удалить",
        "saved.save": "Сохранить",
        "saved.query": "Запрос",
        "saved.filters": "Фильтры",
        "saved.active": "Активен (оповещать о новых совпадениях)",
        "saved.confirm_delete": "Удалить этот поиск?",
        "alerts.title": "Оповещения",
        "alerts.none": "Оповещений нет.",
        "alerts.rule": "Правило",
        "alerts.all_rules": "все правила",
        "alerts.unacked": "Только неподтверждённые",
        "alerts.ack": "Подтвердить выбранные",
        "alerts.ack_one": "Подтвердить",
        "alerts.acked": "подтверждено",
        "alerts.fired": "Сработало",
        "alerts.post": "Пост",
        "alerts.filter": "Показать",
        "channels.title": "Каналы",
        "channels.channel": "Канал",
        "channels.last_post": "Последний пост",
        "channels.posts": "Постов",
        "channels.per_day": "Постов/день",
        "channels.missing": "Пропущено id",
        "channels.coverage": "Полнота",
        "channels.gaps": "Пропуски (последние id)",
        "channels.in_registry": "в реестре",
        "channels.not_in_registry": "нет в реестре",
        "channels.no_posts": "постов ещё нет",
        "channels.no_registry": "Файла реестра {path} нет: показаны каналы из индекса.",
        "error.title": "Что-то не так",
        "category.official": "официальный",
        "category.migrant_community": "сообщество мигрантов",
        "category.media": "СМИ",
        "category.other": "другое",
        "post.hidden": "Скрытые символы, отмеченные в тексте",
        "post.hidden.bidi": "меняет направление следующего за ним текста",
        "post.hidden.other": "невидимый",
        "channels.deleted": "ещё удалённых: {n} (не учтены)",
        "channels.posts_hint": "Посты, которые находит поиск (без удалённых); удалённые считаются увиденными id.",
        "alert.match.new": "Новый пост в канале {channel} подходит под правило {rule}",
        "alert.match.edited": "Изменённый пост в канале {channel} подходит под правило {rule}",
        "alert.official.edit": "Официальный канал {channel} изменил пост {message_id}",
        "alert.official.delete": "Официальный канал {channel} удалил пост {message_id}",
        "alert.frequency": "{posts} по правилу {rule} за {window} (порог {threshold})",
        "alert.spike": "{posts} по правилу {rule} за {window}, ожидалось {expected}",
        "alert.flatline": "{channel} молчит уже {silent} (обычно пост каждые {usual}); возможно, сбор прервался",
    },
}
for _lang, _words in (*DESK_LABELS.items(), *DISCOVERY_LABELS.items()):
    LABELS[_lang].update(_words)

for _lang, (_labels, _plurals) in COMMENT_WORDS.items():  # kept apart: this file stays short
    LABELS[_lang].update(_labels)
    PLURALS[_lang].update(_plurals)


def ui_lang(request: Request) -> str:
    chosen = request.cookies.get(COOKIE)
    if chosen in LANGS:
        return chosen
    accept = request.headers.get("accept-language", "").lower()
    return "ru" if accept.startswith("ru") else "en"


def _no_topic_names(topic: str, lang: str) -> str:
    return topic


class Translator:
    def __init__(self, lang: str, topic_label: Callable[[str, str], str] = _no_topic_names) -> None:
        self.lang = lang if lang in LANGS else "en"
        self._labels = LABELS[self.lang]
        self._locale = Locale.parse(self.lang)
        self._topic_label = topic_label

    def __call__(self, key: str, **values: object) -> str:
        text = self._labels.get(key) or LABELS["en"].get(key) or key
        return text.format(**values) if values else text

    def num(self, value: float) -> str:
        return str(format_decimal(value, locale=self._locale))

    def count(self, key: str, n: int) -> str:
        """``n`` with the word in the plural form the language wants for it: "1 post", "5 постов"."""
        forms = PLURALS[self.lang].get(key) or PLURALS["en"][key]
        form = forms.get(self._locale.plural_form(n)) or forms["other"]
        return form.format(n=self.num(n))

    def duration(self, seconds: float) -> str:
        return str(format_timedelta(timedelta(seconds=seconds), locale=self._locale, threshold=1.0))

    def category(self, category: str | None) -> str:
        return self._labels.get(f"category.{category}") or str(category or "")

    def topic(self, topic: str) -> str:
        return self._topic_label(topic, self.lang)
