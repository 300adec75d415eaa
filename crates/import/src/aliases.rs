//! Header alias tables: how each column is named across tools and UI languages (English,
//! Russian, and the common others), matched after [`crate::text::norm`].

use crate::Dimension;

pub(crate) const CLICKS: &[&str] = &[
    "clicks",
    "клики",
    "klicks",
    "clics",
    "clic",
    "clicchi",
    "cliques",
];
pub(crate) const IMPRESSIONS: &[&str] = &[
    "impressions",
    "показы",
    "impressionen",
    "impresiones",
    "impressioni",
    "shows",
    "impressões",
];
pub(crate) const CTR: &[&str] = &["ctr"];
pub(crate) const POSITION: &[&str] = &[
    "position",
    "позиция",
    "posición",
    "posizione",
    "posição",
    "average position",
    "средняя позиция",
];
pub(crate) const SHOW_POSITION: &[&str] = &[
    "средняя позиция показа",
    "average show position",
    "avg. show position",
    "avg show position",
];
pub(crate) const CLICK_POSITION: &[&str] = &[
    "средняя позиция клика",
    "average click position",
    "avg. click position",
    "avg click position",
];

pub(crate) const DIMENSIONS: &[(Dimension, &[&str])] = &[
    (
        Dimension::Query,
        &[
            "top queries",
            "популярные запросы",
            "queries",
            "query",
            "запрос",
            "запросы",
            "search query",
            "die häufigsten suchanfragen",
            "consultas principales",
            "requêtes les plus fréquentes",
        ],
    ),
    (
        Dimension::Page,
        &[
            "top pages",
            "самые популярные страницы",
            "pages",
            "page",
            "страница",
            "страницы",
            "die häufigsten seiten",
            "páginas principales",
            "pages les plus populaires",
            "url",
        ],
    ),
    (
        Dimension::Country,
        &[
            "country",
            "страна",
            "страны",
            "land",
            "país",
            "pays",
            "paese",
        ],
    ),
    (
        Dimension::Device,
        &[
            "device",
            "устройство",
            "устройства",
            "gerät",
            "dispositivo",
            "appareil",
        ],
    ),
    (
        Dimension::Date,
        &["date", "дата", "datum", "fecha", "jour", "data"],
    ),
    (
        Dimension::SearchAppearance,
        &[
            "search appearance",
            "вид в результатах поиска",
            "darstellung in der suche",
            "aspecto en la búsqueda",
            "apparence dans les résultats de recherche",
        ],
    ),
];

pub(crate) const FILE_DIMENSIONS: &[(Dimension, &[&str])] = &[
    (Dimension::Query, &["queries", "запросы", "requêtes"]),
    (Dimension::Page, &["pages", "страницы"]),
    (Dimension::Country, &["countries", "страны", "pays"]),
    (Dimension::Device, &["devices", "устройства", "appareils"]),
    (Dimension::Date, &["dates", "chart", "даты", "диаграмма"]),
    (
        Dimension::SearchAppearance,
        &["search appearance", "вид в результатах поиска"],
    ),
];

pub(crate) const SESSIONS: &[&str] = &["sessions", "сеансы", "визиты", "sitzungen", "sesiones"];
pub(crate) const USERS: &[&str] = &[
    "total users",
    "users",
    "active users",
    "пользователи",
    "всего пользователей",
    "nutzer",
    "usuarios",
];
pub(crate) const KEY_EVENTS: &[&str] = &[
    "key events",
    "conversions",
    "ключевые события",
    "конверсии",
    "schlüsselereignisse",
    "eventos clave",
    "événements clés",
];
pub(crate) const REVENUE: &[&str] = &[
    "total revenue",
    "revenue",
    "доход",
    "общий доход",
    "gesamtumsatz",
    "ingresos totales",
    "revenu total",
];

pub(crate) const SOURCE_URL: &[&str] = &[
    "referring page url",
    "source url",
    "source_url",
    "url from",
    "sourceurl",
];
pub(crate) const TARGET_URL: &[&str] = &["target url", "target_url", "url to", "targeturl"];
pub(crate) const ANCHOR: &[&str] = &["anchor", "anchor text", "anchor_text", "anchortext"];
pub(crate) const NOFOLLOW: &[&str] = &["nofollow", "flagnofollow", "no follow"];
pub(crate) const FIRST_SEEN: &[&str] = &[
    "first seen",
    "source first found date",
    "first_seen",
    "firstindexeddate",
];
pub(crate) const LAST_SEEN: &[&str] = &[
    "last seen",
    "source crawl date",
    "last_seen",
    "lastseendate",
];
pub(crate) const LOST: &[&str] = &["lost status", "lost link", "lost"];
