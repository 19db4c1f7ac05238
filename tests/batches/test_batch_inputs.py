"""Pairing uploads and texts into items (pure: names only, no bytes, no database)."""

from generator.batches.inputs import Source, plan_items, read_csv
from generator.runs.inputs import DescriptionField, ImageSlot

ONE = [ImageSlot("f", None, "Your photo", True)]
PAIR = [ImageSlot("g", 0, "Person 1", True), ImageSlot("g", 1, "Person 2", True)]
TEXT = [DescriptionField("t", "Hair colour", False)]


def sources(*names):
    return [Source(name, f"ref/{name}") for name in names]


def test_it_makes_one_item_per_photo_in_name_order():
    plan = plan_items(slots=ONE, texts=[], photos={"cnet_f": sources("b.jpg", "a.jpg")}, lines={})
    assert [item.label for item in plan.items] == ["a.jpg", "b.jpg"] and not plan.problems


def test_it_pairs_group_photos_by_the_same_name_in_each_field():
    plan = plan_items(
        slots=PAIR,
        texts=[],
        photos={"cnet_g_p0": sources("anna.jpg", "ben.jpg"), "cnet_g_p1": sources("anna.png")},
        lines={},
    )
    by_label = {item.label: item for item in plan.items}
    assert (
        set(by_label["anna"].photos) == {"cnet_g_p0", "cnet_g_p1"} and not by_label["anna"].reason
    )
    assert "Person 2" in by_label["ben"].reason


def test_it_pairs_group_photos_by_csv_columns():
    rows, problem = read_csv(b"person 1,person 2,hair colour\nx.jpg,y.jpg,red\n")
    plan = plan_items(
        slots=PAIR,
        texts=TEXT,
        photos={"cnet_g_p0": sources("x.jpg", "y.jpg")},
        lines={},
        csv_rows=rows,
    )
    (item,) = plan.items
    assert not problem and item.photos["cnet_g_p1"].name == "y.jpg"
    assert item.descriptions == {"t": "red"}


def test_it_refuses_a_batch_over_the_limit_and_an_empty_one():
    many = plan_items(
        slots=ONE,
        texts=[],
        photos={"cnet_f": sources(*[f"{n}.jpg" for n in range(5)])},
        lines={},
        max_items=4,
    )
    assert "at most 4 items" in many.problems["__all__"]
    empty = plan_items(slots=ONE, texts=[], photos={}, lines={})
    assert "Add photos" in empty.problems["__all__"]


def test_it_reads_csv_from_excel_in_chinese_and_semicolons():
    rows, problem = read_csv("文件;Hair colour\na.jpg;红\n".encode("gb18030"))
    assert not problem and rows == [{"文件": "a.jpg", "hair colour": "红"}]
    assert read_csv(b"")[1]  # no header: a message, not an exception
