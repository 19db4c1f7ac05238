"""The sandbox's apps: one for each case the portal must handle.

Texts are (English, Chinese) pairs, or (English, Chinese, Japanese) for an app that
also has Japanese; `language=en_US`, `zh_CN` (or `ja_JP` where given) picks one,
anything else (or none) gives the publishing language, as A1 documents.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

CASE_TAGS = (
    "image_to_image",
    "text_to_image",
    "multi_input",
    "group_photo",
    "node",
    "vip",
    "api_disabled",
    "unpublished",
    "versioned",
)


@dataclass
class CatalogApp:
    id: str
    version_id: str
    name: tuple[str, ...]
    description: tuple[str, ...]
    cases: tuple[str, ...]
    forms: list[dict]
    styles: list[dict] = field(default_factory=list)
    publish_language: str = "en_US"
    app_type: str = "form"
    node_num: int = 0
    api_disabled: bool = False
    unpublished: bool = False
    vip: bool = False
    palette: tuple[str, str] = ("#3b82f6", "#f472b6")

    def cost(self, generate_num: int) -> int:
        return self.node_num if self.app_type == "node" else generate_num

    def form(self, form_type: str) -> dict | None:
        return next((f for f in self.forms if f["type"] == form_type), None)

    def style(self, style_id: str) -> dict | None:
        return next((s for s in self.styles if s["id"] == style_id), None)


def _t(en: str, zh: str, ja: str = "") -> tuple[str, ...]:
    return (en, zh, ja) if ja else (en, zh)


def _styles(prefix: str, *items: tuple[str, ...]) -> list[dict]:
    return [
        {"id": f"{prefix}{i}", "name": _t(en, zh, *ja), "effect": effect, "tint": tint}
        for i, (en, zh, effect, tint, *ja) in enumerate(items, start=1)
    ]


def _size(form_id: str, ja: str = "") -> dict:
    return {"id": form_id, "type": "size", "name": _t("Size", "尺寸", ja), "required": True}


def _style(form_id: str, ja: str = "") -> dict:
    return {"id": form_id, "type": "style", "name": _t("Style", "风格", ja), "required": True}


def _photo(form_id: str, en="Your photo", zh="你的照片", **extra) -> dict:
    return {"id": form_id, "type": "cnet", "name": _t(en, zh), "required": True, **extra}


def _build() -> list[CatalogApp]:
    return [
        CatalogApp(
            id="1838546335502970881",
            version_id="1838546335507165186",
            name=_t("Watercolor portrait", "水彩肖像"),
            description=_t("Turn a photo into a watercolor painting", "把照片变成水彩画"),
            cases=("image_to_image",),
            forms=[
                _photo("17466175263110005"),
                {
                    "id": "1838546335507165190",
                    "type": "description",
                    "name": _t("Details", "细节"),
                    "required": False,
                    "inputs": [
                        {
                            "id": "1838546335507165192",
                            "name": _t("Hair colour", "发色"),
                            "placeholder": _t("e.g. red", "例如:红色"),
                            "default": "",
                        }
                    ],
                },
                _style("1838546335507165191"),
                _size("1838546335507165193"),
            ],
            styles=_styles(
                "18385463355071652",
                ("Soft", "柔和", "soft", "#f9c5d1"),
                ("Vivid", "鲜艳", "vivid", "#ffb703"),
                ("Ink", "水墨", "ink", "#222222"),
            ),
            palette=("#7dd3fc", "#f9a8d4"),
        ),
        CatalogApp(
            id="1838546335502970882",
            version_id="1838546335507166001",
            name=_t("Poster from words", "文字海报"),
            description=_t("Describe a scene and get a poster", "描述一个场景,生成海报"),
            cases=("text_to_image",),
            forms=[
                {
                    "id": "1838546335507166010",
                    "type": "description",
                    "name": _t("Describe your poster", "描述你的海报"),
                    "required": True,
                },
                _style("1838546335507166011"),
                _size("1838546335507166012"),
            ],
            styles=_styles(
                "18385463355071661",
                ("Neon", "霓虹", "neon", "#ff00aa"),
                ("Pastel", "粉彩", "pastel", "#c4b5fd"),
                ("Mono", "黑白", "mono", "#444444"),
            ),
            palette=("#1e1b4b", "#db2777"),
        ),
        CatalogApp(
            id="1838546335502970883",
            version_id="1838546335507167001",
            name=_t("Character sheet", "角色设定", "キャラクターシート"),
            description=_t(
                "A character from a name, an outfit and a place",
                "由名字、服装和场景生成角色",
                "名前と服装と場所からキャラクターを作る",
            ),
            cases=("text_to_image", "multi_input"),
            forms=[
                {
                    "id": "1838546335507167010",
                    "type": "description",
                    "name": _t("Character", "角色", "キャラクター"),
                    "required": True,
                    "inputs": [
                        {
                            "id": "1838546335507167011",
                            "name": _t("Name", "名字", "名前"),
                            "placeholder": _t("e.g. Mira", "例如:米拉", "例:ミラ"),
                            "required": True,
                        },
                        {
                            "id": "1838546335507167012",
                            "name": _t("Outfit", "服装", "服装"),
                            "placeholder": _t(
                                "e.g. a green raincoat", "例如:绿色雨衣", "例:緑のレインコート"
                            ),
                            "default": "adventurer's cloak",
                        },
                        {
                            "id": "1838546335507167013",
                            "name": _t("Setting", "场景", "場所"),
                            "placeholder": _t("e.g. a night market", "例如:夜市", "例:夜市"),
                        },
                    ],
                },
                _style("1838546335507167020", ja="スタイル"),
                _size("1838546335507167021", ja="サイズ"),
            ],
            styles=_styles(
                "18385463355071671",
                ("Comic", "漫画", "comic", "#f97316", "コミック"),
                ("Sketch", "素描", "sketch", "#6b7280", "スケッチ"),
            ),
            palette=("#14532d", "#fde047"),
        ),
        CatalogApp(
            id="1838546335502970884",
            version_id="1838546335507168001",
            name=_t("Friends group photo", "好友合照"),
            description=_t("Put two friends into one picture", "把两位朋友放进一张合照"),
            cases=("image_to_image", "group_photo"),
            forms=[
                _photo("1838546335507168010", "Faces", "人脸", positionNum=2),
                _style("1838546335507168011"),
            ],
            styles=_styles(
                "18385463355071681",
                ("Beach", "海滩", "vivid", "#38bdf8"),
                ("Party", "派对", "pop", "#a855f7"),
            ),
            palette=("#0ea5e9", "#fcd34d"),
        ),
        CatalogApp(
            id="1838546335502970885",
            version_id="1838546335507169001",
            name=_t("Studio headshot", "影棚头像"),
            description=_t(
                "A three-node studio pipeline; one image per run", "三节点影棚流程,每次一张"
            ),
            cases=("image_to_image", "node"),
            app_type="node",
            node_num=3,
            forms=[
                _photo("1838546335507169010"),
                {
                    "id": "1838546335507169011",
                    "type": "description",
                    "name": _t("Backdrop", "背景"),
                    "required": False,
                },
            ],
            palette=("#334155", "#e2e8f0"),
        ),
        CatalogApp(
            id="1838546335502970886",
            version_id="1838546335507170001",
            name=_t("Golden hour (VIP)", "黄金时刻(会员)"),
            description=_t("Only for paid plans", "仅限付费用户"),
            cases=("vip", "image_to_image"),
            vip=True,
            forms=[_photo("1838546335507170010"), _style("1838546335507170011")],
            styles=_styles("18385463355071701", ("Gold", "金色", "gold", "#f59e0b")),
        ),
        CatalogApp(
            id="1838546335502970887",
            version_id="1838546335507171001",
            name=_t("Lip-sync avatar", "口型同步头像"),
            description=_t(
                "Uses a video component the API does not serve", "使用 API 不支持的视频组件"
            ),
            cases=("api_disabled",),
            api_disabled=True,
            forms=[_photo("1838546335507171010")],
        ),
        CatalogApp(
            id="1838546335502970888",
            version_id="1838546335507172001",
            name=_t("Someone else's draft", "他人的草稿"),
            description=_t("An unpublished app by another creator", "其他创作者未发布的应用"),
            cases=("unpublished",),
            unpublished=True,
            forms=[_photo("1838546335507172010")],
        ),
        CatalogApp(
            id="1838546335502970889",
            version_id="1838546335507173001",
            name=_t("Emoji maker", "表情包制作"),
            description=_t(
                "Your face as a sticker; its author updates it often",
                "把你的脸做成表情包;作者经常更新",
            ),
            cases=("image_to_image", "versioned"),
            publish_language="zh_CN",
            forms=[
                _photo("1838546335507173010"),
                {
                    "id": "1838546335507173011",
                    "type": "description",
                    "name": _t("Caption", "配字"),
                    "required": False,
                    "inputs": [
                        {
                            "id": "1838546335507173012",
                            "name": _t("Caption", "配字"),
                            "placeholder": _t("e.g. LOL", "例如:哈哈"),
                            "default": "OK",
                        }
                    ],
                },
                _style("1838546335507173013"),
            ],
            styles=_styles(
                "18385463355071731",
                ("Pop", "波普", "pop", "#facc15"),
                ("Comic", "漫画", "comic", "#fb7185"),
            ),
            palette=("#fde68a", "#f472b6"),
        ),
        CatalogApp(
            id="1838546335502970890",
            version_id="1838546335507174001",
            name=_t("Art font", "艺术字"),
            description=_t(
                "Lettering with an optional brush the API cannot set",
                "艺术字;可选笔刷 API 无法设置",
            ),
            cases=("text_to_image",),
            forms=[
                {
                    "id": "1838546335507174010",
                    "type": "description",
                    "name": _t("Your words", "文字"),
                    "required": True,
                },
                {
                    "id": "1838546335507174011",
                    "type": "brush",
                    "name": _t("Brush", "笔刷"),
                    "required": False,
                },
                _size("1838546335507174012"),
            ],
            palette=("#0f172a", "#22d3ee"),
        ),
    ]


def fresh_catalog() -> dict[str, CatalogApp]:
    """A new, independent copy: version bumps in one sandbox never leak into another."""
    return {app.id: copy.deepcopy(app) for app in _build()}


def localize(value, language: str, publish_language: str):
    """Pick the text of an (en, zh) pair or (en, zh, ja) triple, recursing into dicts
    and lists."""
    if isinstance(value, tuple) and len(value) in (2, 3) and all(isinstance(v, str) for v in value):
        has = ("en_US", "zh_CN", "ja_JP")[: len(value)]
        lang = language if language in has else publish_language
        return value[has.index(lang)] if lang in has else value[0]
    if isinstance(value, dict):
        return {k: localize(v, language, publish_language) for k, v in value.items()}
    if isinstance(value, list):
        return [localize(v, language, publish_language) for v in value]
    return value
