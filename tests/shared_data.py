"""Where the team share's real recordings and photos are: ``../shared/data`` beside the clone.

CI clones the project there; a clone elsewhere points ``GUANJIA_SHARED_DATA`` at the share's
``data`` folder. The tests that read it fail (never skip) when it is absent.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = Path(os.environ.get("GUANJIA_SHARED_DATA") or ROOT.parent / "shared" / "data")
SPEECH = SHARED_DATA / "speech"
FACES = SHARED_DATA / "faces"
