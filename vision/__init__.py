"""Faces on the device and on the hub: frames → detection → alignment → embedding → match.

Imported by both ``kiosk`` (camera greeter) and ``assistant`` (enrolment, matching),
so it imports neither. OpenCV and dlib are imported only inside the modules that
need them, and the dlib models are loaded once per process (``engines``):

* ``frames`` — camera index, RTSP/HTTP URL, video file or still image → ``Frame``;
* ``engines`` — the dlib HOG detector, 5-point predictor and ResNet embedder, loaded lazily;
* ``faces`` — detect, align, embed; photo-quality checks for enrolment;
* ``matching`` — nearest owner with a distance threshold and a margin over the runner-up;
* ``voting`` — the same identity in k of the last n frames, then once per owner per cooldown;
* ``evaluation`` — top-1, false accepts and a threshold sweep on a gallery/probes/strangers folder;
* ``errors`` — the ``VisionError`` family (code + Mandarin and English messages).
"""

__all__: list[str] = []
