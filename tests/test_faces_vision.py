"""The face pipeline on real photos with the real dlib models: accuracy, refusals, voting, sources."""

from __future__ import annotations

import json
import shutil

import cv2
import numpy as np
import pytest

from tests.faces_support import faces_dir


@pytest.fixture(scope="module")
def evaluation():
    from vision.evaluation import embed_folder, evaluate

    return evaluate(embed_folder(faces_dir()))


def test_acceptance_figures_on_the_shared_set(evaluation) -> None:
    """top-1 >= 98 % on probes, no stranger accepted (timings are bench/faces.py's job, not a test's)."""
    assert evaluation["probes"] >= 60 and evaluation["strangers"] >= 20 and evaluation["enrolled"] == 30
    assert evaluation["gallery_rejected"] == []
    print(json.dumps({k: v for k, v in evaluation.items() if k != "sweep"}))
    assert evaluation["top1"] >= 0.98, evaluation
    assert evaluation["false_accepts"] == 0 and evaluation["probe_wrong"] == 0


def test_dlibs_usual_threshold_is_too_loose(evaluation) -> None:
    at_06 = next(row for row in evaluation["sweep"] if row["threshold"] == 0.6)
    assert at_06["false_accepts"] > 0
    assert evaluation["stranger_distance_min"] < 0.6


def test_models_are_loaded_once() -> None:
    from vision.engines import get_engines

    assert get_engines() is get_engines()


def test_two_faces_are_found_in_group_photos() -> None:
    from vision.faces import detect_faces
    from vision.frames import read_image

    for path in sorted((faces_dir() / "multi").glob("*.jpg")):
        assert len(detect_faces(read_image(path))) >= 2, path.name


def test_upsampling_finds_small_faces() -> None:
    """A 45 px face in a 640x480 frame: missed without upsampling, found with one step."""
    from vision.faces import detect_faces
    from vision.frames import read_image

    image = read_image(faces_dir() / "gallery/jackie_chan/1.jpg")
    scale = 45 / detect_faces(image)[0].width
    shrunk = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    frame = np.full((480, 640, 3), 128, np.uint8)
    frame[200:200 + shrunk.shape[0], 300:300 + shrunk.shape[1]] = shrunk
    assert detect_faces(frame, upsample=0) == []
    assert len(detect_faces(frame, upsample=1)) == 1
    assert len(detect_faces(frame, upsample=None)) == 1  # the live-frame mode falls back to upsampling


def test_eval_command_json(tmp_path) -> None:
    from click.testing import CliRunner

    from assistant.cli import main

    source = faces_dir()
    for person in ("jackie_chan", "george_clooney", "hu_jintao"):
        shutil.copytree(source / "gallery" / person, tmp_path / "gallery" / person)
        shutil.copytree(source / "probes" / person, tmp_path / "probes" / person)
    (tmp_path / "strangers").mkdir()
    for n in (1, 2, 3):
        shutil.copy(source / "strangers" / f"{n}.jpg", tmp_path / "strangers")
    result = CliRunner().invoke(main, ["faces", "eval", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output.strip().splitlines()[-1])
    for key in ("top1", "false_accepts", "strangers", "probes", "embed_ms_p50", "detect_ms_p50", "sweep"):
        assert key in summary
    assert summary["strangers"] == 3 and summary["probes"] == 6 and summary["enrolled"] == 3, summary
    # no false-accept assertion here: with three people enrolled the margin over a runner-up is weak, and
    # lookalike strangers get through (the eval's "leave_out" figures measure exactly that)
    assert summary["probe_wrong"] == 0 and 0 <= summary["false_accepts"] <= 3, summary
    assert set(summary["leave_out"]) >= {"false_accept_rate", "top1", "gallery_size"}
    report = CliRunner().invoke(main, ["faces", "eval", str(tmp_path), "--threshold", "0.45"])
    assert report.exit_code == 0 and "threshold 0.45" in report.output and "threshold  top-1" in report.output


def test_validate_embedding() -> None:
    from vision.matching import validate_embedding

    assert validate_embedding([0.01] * 128).shape == (128,)
    for bad, words in (("x", "list"), ([0.1] * 127, "128"), ([float("nan")] + [0.0] * 127, "NaN"),
                       ([True] + [0.0] * 127, "numbers"), ([1e6] + [0.0] * 127, "range")):
        with pytest.raises(ValueError, match=words):
            validate_embedding(bad)


def test_match_needs_a_margin_over_the_runner_up() -> None:
    from vision.matching import Gallery

    a, b = np.zeros(128, np.float32), np.zeros(128, np.float32)
    b[0] = 0.05
    probe = np.zeros(128, np.float32)
    probe[0] = 0.02  # 0.02 from a, 0.03 from b: too close to call
    gallery = Gallery({"a": [a], "b": [b]})
    assert gallery.match(probe, 0.5, 0.02).reason == "ambiguous"
    assert gallery.match(probe, 0.5, 0.0).owner_id == "a"
    far = np.full(128, 0.1, np.float32)
    assert gallery.match(far, 0.5, 0.02).reason == "too-far"
    assert Gallery({}).match(probe).reason == "empty-gallery"


def test_voter_k_of_n_and_cooldown() -> None:
    from vision.voting import Voter, VoteSettings

    voter = Voter(VoteSettings(k=3, n=5, cooldown_s=600))
    seen = [voter.observe(x, t) for t, x in enumerate(["a", None, "b", "a", None, "a", "a", "a"])]
    assert seen == [None, None, None, None, None, None, "a", None]  # once, on the 3rd 'a' within 5 frames
    assert voter.observe("a", 605.0) is None  # greeted at 6 s: still cooling down
    assert voter.observe("a", 607.0) == "a"  # cooldown over and still 3 of the last 5
    with pytest.raises(ValueError):
        VoteSettings(k=4, n=3)


def test_frame_sources(tmp_path) -> None:
    from vision.errors import FrameSourceError
    from vision.frames import open_frames

    still = list(open_frames(faces_dir() / "strangers/1.jpg"))
    assert len(still) == 1 and still[0].image.ndim == 3
    video = tmp_path / "v.avi"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 10, (320, 240))
    for i in range(6):
        writer.write(np.full((240, 320, 3), 20 * i, np.uint8))
    writer.release()
    frames = list(open_frames(video))
    assert [f.index for f in frames] == list(range(6)) and frames[1].t_ms == pytest.approx(100, abs=1)
    assert [f.index for f in open_frames(video, every=2)] == [0, 2, 4]
    with pytest.raises(FrameSourceError):
        list(open_frames(tmp_path / "missing.mp4"))
    (tmp_path / "bad.jpg").write_bytes(b"not a jpeg")
    with pytest.raises(FrameSourceError):
        list(open_frames(tmp_path / "bad.jpg"))


def test_hub_settings_default_to_the_measured_threshold() -> None:
    from assistant.config import Settings
    from vision.matching import DEFAULT_MARGIN, DEFAULT_THRESHOLD

    settings = Settings()
    assert (settings.face_threshold, settings.face_margin) == (DEFAULT_THRESHOLD, DEFAULT_MARGIN)
    with pytest.raises(ValueError):
        Settings(face_threshold=0)
