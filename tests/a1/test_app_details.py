"""Client: app details against the sandbox, in every language and refusal."""

import pytest

from a1 import A1Client, A1Error, Code

WATERCOLOR = "1838546335502970881"
EMOJI = "1838546335502970889"  # published in Chinese


def test_it_reads_an_app_with_its_forms_and_styles(a1):
    app = a1.app(WATERCOLOR, language="en_US")
    assert app.id == WATERCOLOR
    assert isinstance(app.version_id, str) and len(app.version_id) == 19
    assert app.name == "Watercolor portrait"
    assert [f.type for f in app.forms] == ["cnet", "description", "style", "size"]
    assert app.forms_of("description")[0].inputs[0].name == "Hair colour"
    assert [s.name for s in app.styles] == ["Soft", "Vivid", "Ink"]
    assert app.styles[0].image.startswith("http")
    assert app.cover.endswith(".jpg")
    assert app.generatable and not app.is_node and app.cost(3) == 3


def test_it_honours_the_language(a1):
    assert a1.app(WATERCOLOR, language="zh_CN").name == "水彩肖像"
    assert a1.app(WATERCOLOR, language="zh_CN").styles[0].name == "柔和"


def test_it_falls_back_to_the_publishing_language(a1):
    assert a1.app(EMOJI).name == "表情包制作"  # no language: published in zh_CN
    assert a1.app(EMOJI, language="ja_JP").name == "表情包制作"
    assert a1.app(EMOJI, language="en_US").name == "Emoji maker"


def test_it_knows_a_node_app_costs_its_nodes_and_makes_one_image(a1, sandbox):
    app = a1.app(sandbox.app_with("node")["id"])
    assert app.is_node and app.node_num == 3
    assert app.cost(1) == 3 and app.max_images == 1


def test_it_reads_group_photo_positions(a1, sandbox):
    app = a1.app(sandbox.app_with("group_photo")["id"])
    assert app.forms_of("cnet")[0].positions == 2


def test_it_keeps_unknown_optional_forms_and_stays_generatable(a1):
    app = a1.app("1838546335502970890")
    assert [f.type for f in app.unsupported_forms] == ["brush"]
    assert app.generatable  # the brush is optional


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("api_disabled", Code.APP_API_DISABLED),
        ("unpublished", Code.APP_UNPUBLISHED),
        ("vip", Code.APP_VIP_ONLY),
    ],
)
def test_it_reports_apps_the_api_cannot_serve(a1, sandbox, case, code):
    with pytest.raises(A1Error) as caught:
        a1.app(sandbox.app_with(case)["id"])
    assert caught.value.code == code
    assert caught.value.msg and caught.value.msg_cn
    assert sandbox.calls("app") == 1  # a refusal is not retried


def test_it_reports_an_unknown_app(a1):
    with pytest.raises(A1Error) as caught:
        a1.app("1234567890123456789")
    assert caught.value.code == Code.APP_NOT_FOUND
    assert caught.value.message("zh-hans") == "无效的应用ID"
    assert caught.value.message("en") == "This app does not exist"


def test_it_refuses_a_non_numeric_app_id_without_calling(a1, sandbox):
    with pytest.raises(A1Error) as caught:
        a1.app("../../etc/passwd")
    assert caught.value.code == Code.INVALID_PARAMS
    assert sandbox.calls("app") == 0


def test_it_reports_a_missing_key(sandbox):
    with pytest.raises(A1Error) as caught:
        A1Client(sandbox.url, "").app(WATERCOLOR)
    assert caught.value.code == Code.MISSING_API_KEY


def test_it_reports_an_invalid_key_without_revealing_it(sandbox):
    with pytest.raises(A1Error) as caught:
        A1Client(sandbox.url, "sk-secret-123").app(WATERCOLOR)
    assert caught.value.code == Code.INVALID_API_KEY
    assert "sk-secret-123" not in str(caught.value)
    assert "sk-secret-123" not in repr(A1Client(sandbox.url, "sk-secret-123"))
