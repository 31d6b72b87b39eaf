"""Custom Rasa components for Guanjia's bilingual pipeline.

Imported by Rasa through the dotted name in ``nlu/config.yml``; a remote
``rasa run`` must have this project installed (it is, in the project's venv).
"""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.training_data.message import Message


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=True)
class MixedTokenizer(JiebaTokenizer):
    """Jieba for Chinese and English alike, without whitespace and punctuation tokens.

    Rasa's Jieba tokenizer keeps every space of an English sentence as a token
    (its ``token_pattern`` keeps tokens that match nothing), which drowns English
    features in blanks. Dictionaries are loaded and persisted as in the parent.
    """

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        """Split with Jieba, then drop tokens that hold no letter or digit."""
        tokens = super().tokenize(message, attribute)
        kept = [t for t in tokens if any(ch.isalnum() for ch in t.text)]
        return kept or tokens[:1]
