"""Where decoding goes on inside a window that Whisper left unfinished (pure logic, no model)."""

from __future__ import annotations

from dataclasses import dataclass

from transcribe.continuation import resume_point, trim_overlap


@dataclass(frozen=True)
class Seg:
    start: float
    end: float
    text: str


PAUSES = [3.0, 6.0, 8.5, 15.4, 20.0]


def test_a_window_written_through_is_whole() -> None:
    first = Seg(0.0, 9.9, "正是因为存在绝对正义，所以我们接受现实的相对正义。")
    segments = [first, Seg(9.9, 19.8, "给我带来了身体健康。" * 4)]
    assert resume_point(segments, 0.0, 20.0, PAUSES, 2.0) == (segments, None)


def test_text_that_stops_short_of_the_speech_goes_on_from_the_nearest_pause() -> None:
    segments = [Seg(0.0, 5.8, "我想问，我在冰海星区有房。请问信用卡的年费怎么收")]
    kept, resume = resume_point(segments, 0.0, 20.0, PAUSES, 2.0)
    assert kept == segments and resume == 6.0


def test_a_stretched_segment_ends_where_its_characters_would() -> None:
    # 9 characters cannot fill 11 s. Spoken at 4 a second they end near 2.3 s, before any pause, so
    # decoding goes on from the first pause inside the segment.
    stretched = Seg(0.0, 11.0, "我在冰海星区有房。")
    kept, resume = resume_point([stretched, Seg(11.0, 20.0, "后面的话")], 0.0, 20.0, PAUSES, 2.0)
    assert kept == [stretched] and resume == 3.0
    # 26 characters from 0.0 end near 6.5 s: the pause at 6.0 comes before that.
    long_one = Seg(0.0, 17.0, "但是现在不同了，英国托欧盟内部完善的产业链的红利人。")
    assert resume_point([long_one], 0.0, 20.0, PAUSES, 2.0)[1] == 6.0


def test_no_pause_inside_the_window_or_the_check_turned_off_keeps_the_text() -> None:
    segments = [Seg(0.0, 2.0, "好")]
    assert resume_point(segments, 0.0, 2.9, PAUSES, 2.0)[1] is None  # one clip: nothing to go on from
    assert resume_point(segments, 0.0, 20.0, PAUSES, 0.0)[1] is None
    assert resume_point([], 0.0, 20.0, PAUSES, 2.0) == ([], None)  # Whisper heard nothing: nothing to keep


def test_a_short_tail_is_not_worth_a_decode() -> None:
    segments = [Seg(0.0, 19.0, "正是因为存在绝对正义，所以我们接受现实的相对正义。" * 2)]  # 50 characters: 2.6 a second
    assert resume_point(segments, 0.0, 20.0, PAUSES, 2.0)[1] is None


def test_decoding_on_always_moves_forward() -> None:
    segments = [Seg(6.0, 7.0, "好的")]
    resume = resume_point(segments, 6.0, 20.0, PAUSES, 2.0)[1]
    assert resume is not None and resume > 6.0


def test_repeated_characters_at_the_seam_are_trimmed() -> None:
    assert trim_overlap("他一定在家，因为灯亮着。", "灯亮着，就是有一种") == "，就是有一种"
    assert trim_overlap("我想问。", "我在冰海星区有房") == "我在冰海星区有房"  # one shared character is chance
    assert trim_overlap("", "你好") == "你好"
