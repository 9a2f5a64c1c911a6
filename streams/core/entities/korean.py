"""Korean family names as Koreans spell them in Latin letters (passports, the press), not as
Revised Romanization would: 이 is Lee, not I; 박 Park, not Bak; 최 Choi, not Choe.

The customary spelling of a family name is far more uniform than that of a given name (a
handful of surnames cover most Koreans, each with one dominant spelling), and it is where RR and
English usage disagree most (the initial ㄹ/ㄴ dropped by RR but kept in Lee, Roh, Ryu, Rhee).
The table holds the common family names with their most frequent customary spelling; a
surname not in it is romanised as usual. Given names are left to the transliterator and the
skeleton comparison.
"""

from __future__ import annotations

CUSTOMARY_SURNAMES: dict[str, str] = {
    "김": "kim", "이": "lee", "박": "park", "최": "choi", "정": "jung", "강": "kang", "조": "cho",
    "윤": "yoon", "장": "jang", "임": "lim", "한": "han", "오": "oh", "서": "seo", "신": "shin",
    "권": "kwon", "황": "hwang", "안": "ahn", "송": "song", "류": "ryu", "유": "yoo", "전": "jeon",
    "홍": "hong", "고": "ko", "문": "moon", "양": "yang", "손": "son", "배": "bae", "백": "baek",
    "허": "heo", "노": "roh", "남": "nam", "심": "shim", "하": "ha", "곽": "kwak", "성": "sung",
    "차": "cha", "주": "joo", "우": "woo", "구": "koo", "민": "min", "나": "na", "진": "jin",
    "지": "ji", "엄": "um", "채": "chae", "원": "won", "천": "cheon", "방": "bang", "공": "kong",
    "현": "hyun", "함": "ham", "변": "byun", "염": "yeom", "여": "yeo", "추": "choo", "도": "do",
    "석": "seok", "선": "sun", "설": "seol", "마": "ma", "길": "gil", "연": "yeon", "표": "pyo",
    "명": "myung", "기": "ki", "반": "ban", "왕": "wang", "금": "keum", "옥": "ok", "육": "yook",
    "인": "in", "맹": "maeng", "제": "je", "모": "mo", "탁": "tak", "국": "kook", "은": "eun",
    "편": "pyeon", "용": "yong", "예": "ye", "경": "kyung", "봉": "bong", "태": "tae", "형": "hyung",
}  # fmt: skip
