"""Speech on the device: capture, endpointing, Vosk recognition, TTS, speech-model manager.

Kept light on purpose (``guanjia`` imports ``audio.cli`` on every run): nothing here
imports Vosk, numpy, sounddevice or pyttsx3. The modules, in the order audio flows:

* ``sources`` — WAV files, raw PCM streams, microphones (sounddevice) → ``AudioChunk``;
* ``formats`` — WAV headers and streaming conversion to 16 kHz mono s16;
* ``endpointing`` — webrtcvad + voicing: where utterances start and end;
* ``stt`` / ``grammars`` / ``confidence`` — Vosk behind ``Transcript``; per-state
  grammars checked against the vocabulary; whether to believe a result;
* ``pipeline`` — source → endpointing → recogniser → normalisation, with a ``Trace``;
* ``tts`` / ``playback`` — pyttsx3 on espeak-ng 1.52; speaker or WAV; barge-in;
* ``models`` / ``download`` / ``layout`` / ``settings`` — the speech-model manager;
* ``errors`` — the ``AudioError`` family; ``tracing`` — trace marks from a given clock.
"""

__all__: list[str] = []
