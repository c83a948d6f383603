"""A batch of applicants as a CSV (``screen --batch applicants.csv``): columns, lists, and refusals naming the line.

No Neo4j here: the file becomes the same requests a JSON-lines batch would make.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.applicants import Applicant, applicants_from_csv
from sanctiongraph.errors import InvalidArgumentError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "applicants.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_columns_in_either_case_and_lists_split_on_semicolons(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "\ufeffid,Name,schema,birth_date,identifiers,Email,ip_address,wallet\n"
        'c-1,Kim Chol,Person,1971-02-03,"P123; 654320502",kim@example.com,175.45.176.1,\n'
        ",Korea Kwangson Banking Corp,Organization,,,,,\n"
        ",,,,,,,0x1234567890abcdef1234567890abcdef12345678\n",
    )
    requests = list(applicants_from_csv(path))
    assert [request_id for request_id, _ in requests] == ["c-1", "3", "4"]  # no id: the line number
    first = requests[0][1]
    assert first == Applicant.from_dict(
        {
            "name": "Kim Chol",
            "schema": "Person",
            "birthDate": "1971-02-03",
            "identifiers": ["P123", "654320502"],
            "email": "kim@example.com",
            "ipAddress": "175.45.176.1",
        }
    )
    assert (requests[1][1].name, requests[1][1].schema) == ("Korea Kwangson Banking Corp", "Organization")
    assert requests[2][1].wallet == "0x1234567890abcdef1234567890abcdef12345678" and requests[2][1].name is None


def test_a_column_that_is_no_key_is_refused_not_left_out(tmp_path: Path) -> None:
    path = write(tmp_path, "id,name,pasport\n1,Kim Chol,654320502\n")
    with pytest.raises(InvalidArgumentError, match="unknown columns pasport"):
        list(applicants_from_csv(path))


def test_a_row_with_nothing_to_screen_by_names_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "id,name,country\n1,Kim Chol,KP\n2,,KP\n")
    with pytest.raises(InvalidArgumentError, match=f"{path}:3: give the applicant's name"):
        list(applicants_from_csv(path))
    bad_schema = write(tmp_path, "name,schema\nKim Chol,Spaceship\n")
    with pytest.raises(InvalidArgumentError, match=f"{bad_schema}:2: schema 'Spaceship'"):
        list(applicants_from_csv(bad_schema))
