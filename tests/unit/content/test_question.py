"""What is left of a learner's question once greetings, thanks and filler go."""

from __future__ import annotations

from bot.content.question import (
    _SENTENCE,
    clean_question,
    for_model,
    readings,
    sentences,
    with_corrections,
)
from tests.conftest import wide


def test_greetings_thanks_and_preamble_go_and_the_question_stays() -> None:
    text = ("Hi! Quick question: I got a weird mail from the CEO asking for gift cards. "
            "Is that phishing? Thanks!")
    assert clean_question(text) == ("I got a weird mail from the CEO asking for gift cards. "
                                    "Is that phishing?")


def test_leading_filler_of_a_sentence_goes() -> None:
    assert clean_question("hello team, how do I report a phishing mail?") == \
        "how do I report a phishing mail?"
    assert clean_question("Can you tell me how to reset my password") == \
        "how to reset my password"
    assert clean_question("I wanted to know what a VPN is. Any help is appreciated.") == \
        "what a VPN is."


def test_only_filler_is_returned_as_it_was() -> None:
    assert clean_question("  thanks ") == "thanks"
    assert clean_question("") == ""


def test_a_pasted_page_keeps_its_first_sentences() -> None:
    text = " ".join(f"Sentence number {n} about passwords." for n in range(50))
    assert len(sentences(text)) == 50
    assert clean_question(text).count("Sentence number") == 4


def test_line_breaks_split_sentences() -> None:
    assert sentences("first line\nsecond line") == ["first line", "second line"]


def test_the_sentence_that_asks_is_kept_after_a_long_preamble() -> None:
    text = ("Hi! I'm new on the team. I started on Monday. My manager is on holiday this week. "
            "The onboarding docs are a bit thin. How do I report a phishing mail?")
    assert clean_question(text) == ("I'm new on the team. I started on Monday. My manager is on "
                                    "holiday this week. How do I report a phishing mail?")
    assert clean_question("One. Two. Three. Four. Five.") == "One. Two. Three. Four."


def test_corrections_replace_whole_words_whatever_their_case() -> None:
    corrections = {"pasword": "password", "direcotry": "directory"}
    assert with_corrections("Reset my Pasword in the direcotry, pasword!", corrections) == \
        "Reset my password in the directory, password!"
    assert with_corrections("paswords and apasword stay", corrections) == \
        "paswords and apasword stay"  # only the word that was corrected
    assert with_corrections("Résumé tips", {"resume": "resumes"}) == "resumes tips"
    assert with_corrections("nothing to fix", {}) == "nothing to fix"
    # Words as analysis splits them, and accents sent as separate marks.
    assert with_corrections("child_proces spawn", {"proces": "process"}) == \
        "child_process spawn"
    assert with_corrections("Re\u0301sume\u0301e tips", {"resumee": "resume"}) == "resume tips"


def test_the_model_reads_wide_letters_as_letters_and_emoji_as_spaces() -> None:
    assert for_model(wide("password manager")) == "password manager"
    assert for_model("password🔑manager") == "password manager"
    assert for_model("\ufb01shing mail 👍🏽") == "fishing mail   "
    assert for_model("café in Zürich costs €5") == "café in Zürich costs €5"
    assert for_model("git reset `HEAD^`") == "git reset `HEAD^`"


PASTE = ("Dear customer, your mailbox is almost full and will be closed within 24 hours unless "
         "you confirm your account details on the secure page linked below, as required by our "
         "new security policy for all employees of the company and its partners worldwide "
         "starting this month in every office and every team that uses the shared mail "
         "server provided by the central IT department of the holding group ") * 3


def test_a_question_after_a_long_paste_is_read_alone_and_with_the_paste() -> None:
    text = f"{PASTE}\n\nIs this a phishing email? What should I do with it?"
    usual, alone = readings(text)  # the first and the last asking sentences are the same
    assert alone == "Is this a phishing email? What should I do with it?"
    assert usual.startswith(f"{alone} Dear customer")
    assert len(usual) <= 3 * 400 + 100  # the paste is cut, not read whole
    assert clean_question(text) == usual


def test_a_learners_question_after_a_mail_that_asks_its_own() -> None:
    mail = ("Dear team, can you send me the figures by Friday? Did you see my last note? "
            "Are you free on Monday? Could you also check the invoice? ") + PASTE
    text = f"{mail}\nHow do I politely say no to this without upsetting my manager?"
    assert readings(text) == [  # the mail's four questions fill the usual reading
        "Dear team, can you send me the figures by Friday? Did you see my last note? Are you "
        "free on Monday? Could you also check the invoice?",
        "How do I politely say no to this without upsetting my manager?"]


def test_a_question_before_a_long_paste_is_kept_too() -> None:
    text = f"Is this message a phishing attempt?\n{PASTE}"
    assert "Is this message a phishing attempt?" in readings(text)


def test_a_question_at_the_end_of_a_very_long_paste_is_kept() -> None:
    text = "Some line of a log file.\n" * 2000 + "How do I read this log?"
    assert clean_question(text).startswith("How do I read this log? Some line of a log")
    unpunctuated = "word " * 50_000 + "\nhow do I report phishing?"
    cleaned = clean_question(unpunctuated)
    assert cleaned.startswith("how do I report phishing?")
    assert len(cleaned) < 1000


def test_a_long_asking_sentence_still_asks() -> None:
    long_question = "Is it safe to " + "really " * 80 + "open this attachment?"
    cleaned = clean_question(f"{PASTE}\n{long_question}")
    assert cleaned.startswith("Is it safe to really")


def test_short_questions_keep_their_order() -> None:
    text = "I got a weird mail. Is that phishing?"
    assert clean_question(text) == text
    assert clean_question("filler " * 5000).startswith("filler filler")
    assert len(clean_question("x" * 100_000)) <= 2000


def test_a_mails_own_first_question_is_never_read_alone() -> None:
    text = (f"Could you reply by Friday?\n{PASTE}\nI typed my password into the form it links "
            "to. What should I do now?")
    found = readings(text)
    assert "Could you reply by Friday?" not in found  # it answered with a lesson on its own
    assert found[-1] == "What should I do now?"


def test_a_separator_pasted_into_one_line_ends_a_sentence() -> None:
    text = ("I'm organising the summer party for the office on 12 July. We have a budget of 2,000 "
            "EUR and about 60 people. The venue is booked and catering is sorted. Could you let "
            "me know your dietary requirements by Friday? Thanks, Anna --- can I claim the party "
            "decorations I bought for this?")
    assert sentences(text)[-2:] == ["Thanks, Anna", "can I claim the party decorations I "
                                                    "bought for this?"]
    assert sentences("a well-known -- and loved -- tool?") == [
        "a well-known -- and loved -- tool?"]  # a dash, not a separator


def test_a_separator_is_looked_for_only_from_the_start_of_a_run_of_spaces() -> None:
    # Tried from every space of a run, each try reading the run to its end, a message of
    # 8,000 spaces cost seconds (a security review's): quadratic.
    assert _SENTENCE.match("a  --- b", 1) is not None
    assert _SENTENCE.match("a  --- b", 2) is None  # inside the run: it was found at its start
    assert sentences("a" + " " * 7998 + "x") == ["a" + " " * 7998 + "x"]
    assert sentences("a \n \n--- b") == ["a", "--- b"]  # a line of its own, as "a\n--- b"
