*** Settings ***
Documentation       新装 (new install) with Robot Framework Browser: the clicks of
...                 bench/raw_procedures.py (login, then raw_new_install), keyword for
...                 keyword, on the same order, in the same Chromium with the same flags.
...                 Run by bench/bench_peer.py:
...                 robot --variablefile RUN.json bench/peer/new_install.robot
...                 RUN.json gives PORTAL, ORDER (the order as flows see it), CHROMIUM,
...                 CHROMIUM_ARGS, VIEWPORT, STAFF and PASSWORD.
...                 Selectors are the strings Playwright's get_by_label / get_by_role /
...                 get_by_text produce, so both sides find the same elements the same way.
...                 Like a usual RF suite: Browser's defaults (screenshot on failure,
...                 output.xml, log.html, report.html), no busy-page retry, no guard.

Library             Browser    timeout=10s    retry_assertions_for=10s
Library             String

Suite Setup         Open Portal
Suite Teardown      Close Browser    ALL


*** Variables ***
${W}        iframe[name=workarea] >>>


*** Test Cases ***
新装用户参与活动
    Log In
    ${order_no}    ${serial_no}    New Install    ${ORDER}
    Log To Console    outputs {"order_no": "${order_no}", "serial_no": "${serial_no}"}


*** Keywords ***
Open Portal
    New Browser    chromium    headless=True    executablePath=${CHROMIUM}    args=${CHROMIUM_ARGS}
    New Context    locale=zh-CN    viewport=${VIEWPORT}
    New Page    ${PORTAL}login

Log In
    Fill Text    internal:label="工号"i    ${STAFF}
    Fill Text    internal:label="密码"i    ${PASSWORD}
    Click    internal:role=button[name="登录"i]
    Get Text    .topbar .staff-id    ==    ${STAFF}

Row Button
    [Arguments]    ${row}    ${button}
    RETURN    ${W} role=row[name=/^${row}/] >> role=button[name="${button}"]

Pick Number
    [Arguments]    ${number}
    Click    ${W} internal:role=button[name="选号"i]
    ${shell}    Switch Page    NEW
    Fill Text    internal:label="号码前缀"i    ${number}
    Click    internal:role=button[name="查询"i]
    Wait For Elements State    internal:role=button[name="选择"i]    visible
    Click    internal:role=button[name="选择"i]
    Switch Page    ${shell}
    Get Property    ${W} internal:label="手机号码"i    value    ==    ${number}

Card And Remark
    [Arguments]    ${order}
    Fill Text    ${W} internal:label="UIM卡号"i    ${order}[mobile][uim]
    Click    ${W} internal:role=button[name="选卡"i]
    Wait For Elements State    ${W} internal:role=status    visible
    Fill Text    ${W} internal:label="备注"i    ${order}[remark]
    # absent with the portal's defect
    ${evdo}    Get Element Count    ${W} internal:label="EVDO上网"i
    IF    ${evdo}    Check Checkbox    ${W} internal:label="EVDO上网"i

Device
    [Arguments]    ${order}    ${then}
    Click    ${W} internal:role=button[name="增加"i]
    Fill Text    ${W} internal:label="串号"i    ${order}[phone][imei]
    Fill Text    ${W} internal:label="终端型号"i    ${order}[phone][model]
    Click    ${W} internal:role=button[name="保存"i]
    Wait For Elements State    ${then}    visible
    Get Text    ${W} internal:role=status    ==    套餐内手机保存成功

Submit Order
    Handle Future Dialogs    action=accept
    Click    ${W} internal:role=button[name="提交"i]
    Wait For Elements State    ${W} .order-no    visible
    ${order_no}    Get Text    ${W} .order-no
    RETURN    ${order_no}

Lower Fee
    [Arguments]    ${line}    ${fee}
    ${lower}    Row Button    ${line}    下调
    Click    ${lower}
    Fill Text    ${W} internal:label="下调后金额"i    ${fee}[final]
    Fill Text    ${W} internal:label="下调原因"i    ${fee}[reason]
    Click    ${W} internal:role=button[name="确定"i]
    Wait For Elements State    ${W} internal:role=button[name="收费"i]    visible

Collect
    Click    ${W} internal:role=button[name="收费"i]
    Wait For Elements State    ${W} .panel.receipt    visible
    ${total}    Get Text    ${W} table.fees .total
    RETURN    ${total}

Special Fund
    [Arguments]    ${access}    ${order}
    Click    internal:role=link[name="专款缴费"i]
    Fill Text    ${W} internal:label="宽带接入号"i    ${access}
    Click    ${W} internal:role=button[name="查询"i]
    Get Text    ${W} table.user-info    contains    ${access}
    Select Options By    ${W} internal:label="专款类型"i    label    ${order}[special_fund][type]
    Select Options By    ${W} internal:label="账本"i    label    ${order}[special_fund][ledger]
    Fill Text    ${W} internal:label="金额"i    ${order}[special_fund][amount]
    Handle Future Dialogs    action=accept
    Click    ${W} internal:role=button[name="提交"i]
    Wait For Elements State    ${W} .serial-no    visible
    ${serial_no}    Get Text    ${W} .serial-no
    RETURN    ${serial_no}

New Install
    [Arguments]    ${order}
    Go To    ${PORTAL}
    Wait For Elements State    .topbar .staff-id    visible
    Click    internal:role=link[name="新装"s]
    Fill Text    ${W} internal:label="客户名称"i    ${order}[customer][name]
    Select Options By    ${W} internal:label="证件类型"i    label    身份证
    Fill Text    ${W} internal:label="证件号码"i    ${order}[customer][id_number]
    Fill Text    ${W} internal:label="联系电话"i    ${order}[customer][contact_phone]
    Fill Text    ${W} internal:label="联系地址"i    ${order}[customer][address]
    Select Options By    ${W} internal:label="客户分群"i    label    ${order}[customer][group]
    Click    ${W} internal:role=button[name="下一步"i]
    Select Options By    ${W} internal:label="品牌"i    label    ${order}[brand]
    Select Options By    ${W} internal:label="计划"i    label    ${order}[plan_label]
    Click    ${W} internal:role=button[name="下一步"i]
    ${add_mobile}    Row Button    套餐内手机    增加
    Click    ${add_mobile}
    Pick Number    ${order}[mobile][number]
    Card And Remark    ${order}
    Click    ${W} internal:role=button[name="增加"i]
    Fill Text    ${W} internal:label="预存金额"i    ${order}[free_credit]
    Click    ${W} internal:role=button[name="下一步"i]
    ${add_broadband}    Row Button    套餐内宽带    增加
    Device    ${order}    ${add_broadband}
    Click    ${add_broadband}
    Click    ${W} internal:role=button[name="选择地址"i]
    ${shell}    Switch Page    NEW
    Fill Text    internal:label="地址编码或名称"i    ${order}[broadband][standard_address]
    Click    internal:role=button[name="查询"i]
    Wait For Elements State    internal:role=button[name="选择"i]    visible
    Click    internal:role=button[name="选择"i]
    Switch Page    ${shell}
    Get Property    ${W} internal:label="标准化地址"i    value    !=    ${EMPTY}
    Fill Text    ${W} internal:label="宽带账号"i    ${order}[broadband][account]
    Select Options By    ${W} internal:label="带宽"i    label    ${order}[broadband][bandwidth]
    Fill Text    ${W} internal:label="装机地址"i    ${order}[broadband][install_address]
    Click    ${W} internal:role=button[name="下一步"i]
    Check Checkbox    ${W} internal:label="随套餐内手机"i
    Click    ${W} internal:role=button[name="下一步"i]
    Wait For Elements State    ${W} internal:text="宽带信息确认"i    visible
    Click    ${W} internal:role=button[name="保存"i]
    Get Text    ${W} internal:role=status    ==    套餐内宽带保存成功
    ${order_no}    Submit Order
    ${numbers}    Get Text    ${W} .access-numbers
    ${access}    Should Match Regexp    ${numbers}    0371\\d{8}
    Get Text    ${W} td.access-numbers + th + td
    Lower Fee    UIM卡费    ${order}[fees_to_lower][0]
    Collect
    ${serial_no}    Special Fund    ${access}    ${order}
    RETURN    ${order_no}    ${serial_no}
