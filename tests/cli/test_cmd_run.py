from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

FLOWS = Path(__file__).resolve().parents[1] / "runner" / "flows"
pytestmark = pytest.mark.browser


def bots_run(tmp_path: Path, *args: str, **environ: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BOTS_STAFF_ID": "GH1001", "BOTS_STAFF_PASSWORD": "Tele@1001", **environ}
    return subprocess.run(
        [sys.executable, "-m", "bots", "run", *args, "--runs-dir", str(tmp_path / "runs")],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def test_run_prints_a_line_per_step_and_the_run_folder(tmp_path, pages_url):
    out = bots_run(
        tmp_path, str(FLOWS / "session.yaml"), "--portal", pages_url, "--screenshots", "off"
    )
    assert out.returncode == 0, out.stdout + out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].startswith("✓ 001 home ")
    # the login page before anything was done is where the run starts: a login, not an
    # interruption
    assert any(line.startswith("→ 002 next ") for line in lines)
    assert "登录 GH1001" in lines
    assert not any("session lost" in line or "interrupted" in line for line in lines)
    folder = Path(lines[-1].removeprefix("运行文件夹:"))
    run = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    assert run["status"] == "passed"
    assert "Tele@1001" not in out.stdout + out.stderr


def test_business_failure_exits_5_with_the_portal_message(tmp_path, pages_url):
    out = bots_run(tmp_path, str(FLOWS / "refused.yaml"), "--portal", pages_url)
    assert out.returncode == 5
    assert out.stderr == '错误: 号码已被占用:请改选号码或填"任意"后重放\n'
    # the reasons speak the queue's word (重放 is bots replay there): what it is here
    assert out.stdout.splitlines()[-2] == (
        "重放即再运行同一命令:已提交的步骤会先在营账系统里查询,不会重复办理")
    folder = Path(out.stdout.splitlines()[-1].removeprefix("运行文件夹:"))
    assert (folder / "report.html").is_file()
    assert not (folder / "trace.zip").exists()  # the trace only when it is asked for


def test_without_guards_a_run_again_is_not_said_to_be_safe(tmp_path, pages_url):
    out = bots_run(tmp_path, str(FLOWS / "refused.yaml"), "--portal", pages_url, "--no-guards")
    assert out.returncode == 5
    assert "重放即再运行同一命令" not in out.stdout


def test_a_trace_asked_for_is_kept_when_the_run_fails(tmp_path, pages_url):
    out = bots_run(
        tmp_path, str(FLOWS / "refused.yaml"), "--portal", pages_url, "--trace", "on_failure"
    )
    assert out.returncode == 5
    folder = Path(out.stdout.splitlines()[-1].removeprefix("运行文件夹:"))
    with zipfile.ZipFile(folder / "trace.zip") as trace:
        assert any(name.endswith(".trace") for name in trace.namelist())


@pytest.mark.parametrize(
    "option,choices",
    [("--trace", "off | on_failure | full_on_failure"),
     ("--screenshots", "every_step | on_failure | off")],
)  # fmt: skip
def test_a_policy_that_does_not_exist_is_refused_as_bad_input(tmp_path, pages_url, option,
                                                               choices):  # fmt: skip
    out = bots_run(tmp_path, str(FLOWS / "refused.yaml"), "--portal", pages_url, option, "on")
    assert out.returncode == 4
    assert out.stderr == f"错误: {option} 应是 {choices} 之一,实际为“on”\n"


def test_input_file_and_bad_input_exit_4(tmp_path, pages_url):
    good = tmp_path / "in.yaml"
    good.write_text("busy: 0\n", encoding="utf-8")
    out = bots_run(tmp_path, str(FLOWS / "busy.yaml"), "--input", str(good), "--portal", pages_url)
    assert out.returncode == 0, out.stdout + out.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text("busy: many\n", encoding="utf-8")
    out = bots_run(tmp_path, str(FLOWS / "busy.yaml"), "--input", str(bad), "--portal", pages_url)
    assert out.returncode == 4
    assert out.stderr == f"错误: {bad} 的输入 busy 应为数字,实际为文字 'many':请改正后重放\n"
    # a sheet of orders is for the queue
    sheet = tmp_path / "orders.csv"
    sheet.write_text("busy\n0\n", encoding="utf-8")
    out = bots_run(tmp_path, str(FLOWS / "busy.yaml"), "--input", str(sheet), "--portal", pages_url)
    assert (out.returncode, out.stderr) == (4, (
        f"错误: {sheet}:bots run 的输入是一个订单(YAML 或 JSON 文件);"
        "订单表格请用 bots enqueue 排进队列,再由 bots work 处理\n"
    ))


def test_an_error_is_one_line_whatever_the_path_length_and_terminal_width(tmp_path):
    # a pipe or a CI log is no terminal: an error must never be cut into lines there (the
    # cut used to drop the space at the break, so the text depended on the path's length)
    deep = tmp_path.joinpath(*[f"订单目录-{n:02d}-with-a-long-name" for n in range(6)])
    deep.mkdir(parents=True)
    bad = deep / "bad input file.yaml"
    bad.write_text("busy: many\n", encoding="utf-8")
    out = bots_run(tmp_path, str(FLOWS / "busy.yaml"), "--input", str(bad), COLUMNS="40")
    assert out.returncode == 4
    assert len(str(bad)) > 200
    assert out.stderr == f"错误: {bad} 的输入 busy 应为数字,实际为文字 'many':请改正后重放\n"


def test_the_flow_outputs_are_printed_at_the_end(tmp_path, pages_url):
    out = bots_run(
        tmp_path, str(FLOWS / "outputs.yaml"), "--portal", pages_url, "--screenshots", "off"
    )
    assert out.returncode == 0, out.stdout + out.stderr
    lines = out.stdout.splitlines()
    assert lines[-4:-1] == ["流程输出:", "  rows: 3", "  备注: 查询完成"]  # (as pages name it)
    assert lines[-1].startswith("运行文件夹:")


def test_a_field_the_input_lacks_is_bad_input_and_the_run_is_finished(tmp_path, pages_url):
    data = tmp_path / "customer.yaml"
    data.write_text("name: 王敏\nsegment: 家庭\n", encoding="utf-8")
    out = bots_run(
        tmp_path, str(FLOWS / "missing_field.yaml"), "--input", str(data), "--portal", pages_url,
        "--screenshots", "off",
    )  # fmt: skip
    assert out.returncode == 4, out.stdout + out.stderr
    assert out.stderr == (
        "错误: 步骤 segment 要读的字段 customer.segmnt 在输入中没有:输入里有相近的 'segment',"
        "若是流程写错了请修正 missing_field.yaml;否则请在输入中补上后重放\n"
    )
    assert "Traceback" not in out.stdout + out.stderr
    folder = Path(out.stdout.splitlines()[-1].removeprefix("运行文件夹:"))
    run = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    assert (run["status"], run["error"]["kind"], run["error"]["code"]) == (
        "failed", "bad_input", "input_field_missing",
    )  # fmt: skip
    # what the expression read and what the input has: the run folder's detail
    assert run["error"]["detail"] == (
        "'${{ customer.segmnt }}' 读取的字段 segmnt 在 customer 中不存在(已有字段:name, segment);"
        "是否想写 'segment'?"
    )
    assert (folder / "report.html").is_file()


def test_broken_flow_exits_3_before_any_browser(tmp_path):
    flow = tmp_path / "flows" / "f.yaml"
    flow.parent.mkdir()
    flow.write_text("steps:\n  - id: a\n    clik: x.y\n", encoding="utf-8")
    out = bots_run(tmp_path, str(flow))
    assert out.returncode == 3
    assert out.stderr.endswith("实际为不认识的键 'clik';是否想写 'click'?\n")


def test_a_portal_that_never_answered_the_run_sends_the_person_to_its_address():
    from bots.cli.cmd_run import unanswered
    from bots.errors import SystemException

    down = SystemException.said(
        "营账系统30秒内一直没有响应",
        "它可能正在重启或已停机;稍后重放,一直如此请联系营账系统的管理员",
        code="portal_unavailable", detail="http://127.0.0.1:9/login: ERR_CONNECTION_REFUSED",
    )  # fmt: skip
    said = unanswered(down, [{"status": "failed"}], "http://ops:secret@127.0.0.1:9/")
    assert str(said) == (
        "营账系统30秒内一直没有响应:检查营账系统网址 http://ops:******@127.0.0.1:9/ 和网络"
        "(--portal,或 bots.toml 的 portal_url);营账系统恢复后重新运行"
    )
    assert (type(said), said.code, said.detail) == (SystemException, "portal_unavailable",
                                                    down.detail)  # fmt: skip
    # once the portal answered a step of the run, it went away in the middle: as it was
    assert unanswered(down, [{"status": "passed"}, {"status": "failed"}], "u") is down
    busy = SystemException("营账系统繁忙", code="busy")
    assert unanswered(busy, [], "u") is busy


@pytest.mark.parametrize("how", ["option", "env"])
def test_a_runs_folder_that_cannot_be_made_is_said_before_any_browser(tmp_path, how):
    taken = tmp_path / "runs"
    taken.write_text("a file, not a folder", encoding="utf-8")
    args = [sys.executable, "-m", "bots", "run", str(FLOWS / "session.yaml")]
    if how == "option":
        args += ["--runs-dir", str(taken)]
    env = {**os.environ, "BOTS_RUNS": str(taken), "BOTS_PORTAL_URL": "http://127.0.0.1:9"}
    out = subprocess.run(args, capture_output=True, text=True, timeout=60, env=env)
    where = {"option": "命令行选项 --runs-dir", "env": "环境变量 BOTS_RUNS"}[how]
    assert out.stderr == f"错误: 没法使用文件夹 {taken}(File exists):请改正{where}\n"
    assert out.returncode == 4
    assert out.stdout == ""


def test_a_run_without_the_input_its_flow_needs_says_how_to_give_it(tmp_path):
    from bots.config import shipped

    out = bots_run(tmp_path, "e9_new_install", "--portal", "http://127.0.0.1:9")
    assert out.returncode == 4
    assert out.stderr == (
        "错误: 这个流程需要输入 order:用 --input 给出一个 YAML 或 JSON 文件"
        f"(订单的例子在 {shipped('examples') / 'orders'})\n"
    )
    missing = tmp_path / "nope.yaml"
    out = bots_run(tmp_path, "e9_new_install", "--input", str(missing))
    assert out.returncode == 4
    assert out.stderr == f"错误: {missing}:没有这个文件:检查 --input 的路径\n"


def test_an_order_given_to_the_other_procedures_flow_is_refused_before_any_browser(tmp_path):
    # (a renewal order in the new install's flow ran 57 s of retries before failing)
    orders = Path(__file__).resolve().parents[2] / "bots" / "shipped" / "examples" / "orders"
    renewal = orders / "E9-20261127-0008.yaml"
    out = bots_run(tmp_path, "e9_new_install", "--input", str(renewal),
                   "--portal", "http://127.0.0.1:9/")  # fmt: skip
    assert (out.returncode, out.stderr, out.stdout) == (4, (
        f"错误: {renewal}:这是续费订单,流程 e9_new_install.yaml 办的是另一种业务:"
        f"请用 bots run e9_renewal --input {renewal}\n"
    ), "")  # fmt: skip
    assert not (tmp_path / "runs").exists()
