"""Speech on the device: capture, endpointing, Vosk recognition, TTS, speech-model manager."""
