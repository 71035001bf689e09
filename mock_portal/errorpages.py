"""The pages the portal answers with when it did nothing: its own 系统繁忙, the database
failures of an older system (habit ``error_pages``), and legacy mode's stale-form page.

Each is a whole document; none is rendered through the screens' templates, so a fault can
answer any request, whatever it asked for. It knows the habits, not the routers.
"""

from __future__ import annotations

from fastapi.responses import HTMLResponse, JSONResponse, Response

BUSY_TEXT = "系统繁忙,请稍后再试"
BUSY_PAGE = (
    '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>系统提示</title>'
    '<link rel="stylesheet" href="/static/portal.css"></head><body class="page">'
    f'<div class="busy error" role="alert">{BUSY_TEXT}</div></body></html>'
)
# a JSP error page over an exhausted Oracle listener: the request never reached the data
ORA_TEXT = "ORA-12519: TNS:no appropriate service handler found"
ORA_PAGE = (
    '<html><head><meta http-equiv="Content-Type" content="text/html; charset=GBK">'
    "<title>错误信息</title></head><body bgcolor=\"#FFFFFF\">"
    '<table width="100%" border="0"><tr><td class="err-title"><b>系统出现异常,请与系统管理员联系'
    "</b></td></tr><tr><td><pre class=\"ora\">java.sql.SQLException: "
    f"{ORA_TEXT}\n</pre></td></tr></table></body></html>"
)
# Tomcat's report of the same failure seen from the connection pool, stack trace and all
JAVA_TEXT = (
    "org.springframework.jdbc.CannotGetJdbcConnectionException: Could not get JDBC "
    "Connection; nested exception is org.apache.commons.dbcp.SQLNestedException: Cannot get "
    "a connection, pool error Timeout waiting for idle object"
)
JAVA_TRACE = "\n".join((
    JAVA_TEXT,
    "\tat org.springframework.jdbc.datasource.DataSourceUtils.getConnection"
    "(DataSourceUtils.java:82)",
    "\tat org.springframework.jdbc.core.JdbcTemplate.execute(JdbcTemplate.java:382)",
    "\tat com.telecom.crm.yz.dao.BaseDAO.queryForList(BaseDAO.java:143)",
    "\tat com.telecom.crm.yz.action.AcceptAction.execute(AcceptAction.java:97)",
    "\tat org.apache.struts.action.RequestProcessor.processActionPerform"
    "(RequestProcessor.java:431)",
    "\tat org.apache.catalina.core.ApplicationFilterChain.doFilter"
    "(ApplicationFilterChain.java:173)",
    "\tat java.lang.Thread.run(Thread.java:619)",
))
JAVA_PAGE = (
    "<html><head><title>Apache Tomcat/5.5.26 - Error report</title></head><body>"
    "<h1>HTTP Status 500 - </h1><hr size=\"1\" noshade=\"noshade\"><p><b>type</b> Exception "
    "report</p><p><b>description</b> <u>The server encountered an internal error () that "
    "prevented it from fulfilling this request.</u></p><p><b>exception</b></p>"
    f'<pre class="trace">{JAVA_TRACE}</pre><hr size="1" noshade="noshade">'
    "<h3>Apache Tomcat/5.5.26</h3></body></html>"
)
# legacy mode: a form whose hidden token expired or was already used (Struts' token check)
STALE_FORM_TEXT = "页面已过期或重复提交,请重新打开页面后再操作"
STALE_FORM_PAGE = (
    '<html><head><meta http-equiv="Content-Type" content="text/html; charset=GBK">'
    '<title>提示信息</title></head><body bgcolor="#FFFFFF"><table width="100%" border="0">'
    '<tr><td class="err-title"><b>提示信息</b></td></tr>'
    f'<tr><td class="err-text">{STALE_FORM_TEXT}</td></tr>'
    '<tr><td><a href="javascript:history.back()">返回</a></td></tr></table></body></html>'
)


def gbk_page(html: str, status_code: int = 200) -> Response:
    return Response(html.encode("gbk"), status_code, media_type="text/html; charset=GBK")


FAULT_PAGES = {
    "busy": lambda: HTMLResponse(BUSY_PAGE),
    "ora": lambda: gbk_page(ORA_PAGE),
    "java": lambda: HTMLResponse(JAVA_PAGE, status_code=500),
}


def fault_page(style: str, ajax: bool) -> Response:
    """What a request the portal was too busy for gets: AJAX calls always the JSON busy
    answer (the screen's script shows it), pages the habit's document."""
    if ajax:
        return JSONResponse({"error": BUSY_TEXT, "busy": True})
    return FAULT_PAGES[style]()


def stale_form_page() -> Response:
    return gbk_page(STALE_FORM_PAGE)
