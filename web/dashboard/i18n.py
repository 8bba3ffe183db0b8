"""The dashboard's two languages: Chinese by default, English on request.

Every string the pages show is a key of `TEXT`, with its Chinese and English
forms; amounts are written in 万元 in Chinese and in yuan in English, dates as
each language writes them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal

LANGUAGES = ("zh", "en")
DEFAULT = "zh"
#: Recording times are shown in Beijing time (China keeps no daylight saving).
BEIJING = timezone(timedelta(hours=8))
MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

TEXT: dict[str, tuple[str, str]] = {
    # the frame
    "app.name": ("通州区产业资金台账", "Grant Ledger"),
    "app.owner": ("通州区经济和信息化局", "Tongzhou District Bureau of Economy and IT"),
    "nav.enterprises": ("企业", "Enterprises"),
    "nav.alerts": ("预警", "Alerts"),
    "nav.spend": ("资金支出", "Spend"),
    "nav.catalogue": ("政策目录", "Catalogue"),
    "nav.audit": ("审计", "Audit"),
    "audit.title": ("审计核查", "Audit"),
    "audit.intro": ("只读事件日志：校验哈希链是否被改动，"
                    "并按当时有效的政策版本复核每一项核定与拨付。",
                    "From the event log alone: the hash chain is verified and every approval "
                    "and payment re-checked under the rules in force when it was made."),
    "audit.as_of": ("截至日期", "As of"),
    "audit.bad_date": ("日期格式应为 年-月-日", "Write the date as YYYY-MM-DD"),
    "audit.what_if": ("按现行政策目录对比", "Compare with the current catalogue"),
    "audit.run": ("开始审计", "Run the audit"),
    "audit.chain": ("哈希链", "Hash chain"),
    "audit.intact": ("完整", "Intact"),
    "audit.broken": ("已被改动", "Broken"),
    "audit.events": ("已校验事件", "Events checked"),
    "audit.decisions": ("已复核决定", "Decisions re-checked"),
    "audit.findings": ("发现问题", "Findings"),
    "audit.printable": ("打印版报告", "Printable report"),
    "audit.csv": ("下载 CSV", "Download CSV"),
    "audit.checkpoint": ("日志检查点", "Checkpoint of the log"),
    "audit.checkpoint_hint": ("由签名密钥对整个日志的大小与根哈希签名；请打印或复制保存在系统之外，"
                              "日后以 grants audit --checkpoint 文件 证明日志未被改动。",
                              "The log's size and root hash, signed with the signing key: print "
                              "or copy it and keep it outside the system; grants audit "
                              "--checkpoint FILE later proves the log was not altered."),
    "audit.kind": ("问题类型", "Kind"),
    "audit.notification": ("日志序号", "Log position"),
    "audit.date": ("业务日期", "Business date"),
    "audit.clean": ("未发现问题：日志完整，每项决定均符合当时的规则。",
                    "Nothing found: the log is intact and every decision kept to the rules "
                    "of its day."),
    "audit.differences": ("现行政策目录下的差异", "Differences under the current catalogue"),
    "audit.recorded_max": ("当时可核定上限", "Maximum then"),
    "audit.current_max": ("现行规则下上限", "Maximum now"),
    "nav.register": ("登记企业", "Register enterprise"),
    "nav.submit": ("录入申请", "New application"),
    "nav.users": ("用户管理", "Users"),
    "nav.logout": ("退出", "Log out"),
    "nav.language": ("English", "中文"),
    "nav.main": ("主导航", "Main navigation"),
    "role.staff": ("工作人员", "Staff"),
    "role.auditor": ("审计人员", "Auditor"),
    "role.admin": ("管理员", "Administrator"),
    "common.none": ("无", "None"),
    "common.yes": ("是", "Yes"),
    "common.no": ("否", "No"),
    "common.search": ("查询", "Search"),
    "common.reset": ("清除", "Clear"),
    "common.all": ("全部", "All"),
    "common.previous": ("上一页", "Previous"),
    "common.next": ("下一页", "Next"),
    "common.page": ("第 {page} / {pages} 页，共 {total} 条",
                    "Page {page} of {pages}, {total} in all"),
    "common.at": ("业务日期", "Business date"),
    "common.at_hint": ("该事项发生的日期", "The date the step took place"),
    "common.submit": ("提交", "Submit"),
    "common.read_only": ("只读：审计人员可查看全部记录，不能修改。",
                         "Read only: auditors see every record and change nothing."),
    "common.form_error": ("未能保存，请检查标出的字段。",
                          "Nothing was saved: check the marked fields."),
    "common.back": ("返回", "Back"),
    "common.year": ("年度", "Year"),
    "common.amount": ("金额", "Amount"),
    "common.status": ("状态", "Status"),
    "common.policy": ("政策", "Policy"),
    "common.article": ("条款", "Article"),
    "common.item": ("支持事项", "Item"),
    "common.note": ("备注", "Note"),
    "common.reason": ("原因", "Reason"),
    "common.article_no": ("第{n}条", "art. {n}"),
    "common.optional": ("选填", "optional"),
    "common.skip": ("跳到正文", "Skip to content"),
    # logging in
    "login.title": ("登录", "Log in"),
    "login.username": ("用户名", "Username"),
    "login.password": ("密码", "Password"),
    "login.submit": ("登录", "Log in"),
    "login.failed": ("用户名或密码不正确，或该用户已停用。",
                     "Wrong username or password, or the user is disabled."),
    "login.expired": ("登录已超时，请重新登录。", "Your session expired: please log in again."),
    "login.required": ("请先登录。", "Please log in first."),
    "login.logged_out": ("已退出登录。", "You have logged out."),
    "login.intro": ("记录企业获得的每一笔产业资金，并证明每项奖励都符合当时有效的政策。",
                    "Every industrial grant an enterprise received, and proof that each award "
                    "kept to the rules in force when it was made."),
    # enterprises
    "ent.title": ("企业", "Enterprises"),
    "ent.search": ("企业名称或统一社会信用代码", "Name or unified social credit code"),
    "ent.sector": ("行业", "Sector"),
    "ent.size": ("规模", "Size"),
    "ent.name": ("企业名称", "Name"),
    "ent.credit_code": ("统一社会信用代码", "Credit code"),
    "ent.awarded": ("已核定", "Awarded"),
    "ent.disbursed": ("已拨付", "Disbursed"),
    "ent.clawback": ("应追回", "Clawback due"),
    "ent.caps_year": ("{year}年度上限剩余", "Caps left in {year}"),
    "ent.caps_year_hint": ("本年度已使用的年度上限中最紧的一项",
                           "The tightest annual cap used this year"),
    "ent.no_cap_used": ("未使用", "none used"),
    "ent.open_flags": ("未处理预警", "Open flags"),
    "ent.empty": ("没有符合条件的企业。", "No enterprise matches."),
    "ent.registered_on": ("登记日期", "Registered"),
    "ent.sectors": ("行业", "Sectors"),
    "ent.dishonesty": ("严重失信记录", "Serious dishonesty records"),
    "ent.as_of": ("查看截至某日的状态", "Show as it stood on"),
    "ent.as_of_show": ("查看", "Show"),
    "ent.as_of_now": ("回到当前", "Back to now"),
    "ent.as_of_banner": ("以下为截至 {date} 的状态（按业务日期重放事件日志）。",
                         "As it stood on {date} (the event log replayed to that business date)."),
    "ent.awards": ("申请与奖励", "Applications and awards"),
    "ent.no_applications": ("尚无申请。", "No applications yet."),
    "ent.caps": ("支持上限剩余", "Remaining caps"),
    "ent.no_caps": ("尚未使用任何上限。", "No cap has been used yet."),
    "ent.cap_left": ("剩余 {remaining}（上限 {cap}）", "{remaining} left of {cap}"),
    "ent.windows": ("支持期", "Support windows"),
    "ent.no_windows": ("没有多年度支持。", "No multi-year award."),
    "ent.window_label": ("{first}–{last}年，已拨付 {paid}/{planned} 笔",
                         "{first}–{last}, {paid} of {planned} tranches paid"),
    "ent.timeline_today": ("今天", "today"),
    "ent.timeline_asof": ("查看日", "as of"),
    "tl.paid": ("已拨付", "paid"),
    "tl.planned": ("计划拨付", "planned"),
    "tl.open": ("支持期内未安排", "within the window, none planned"),
    "ent.evaluations": ("绩效评价", "Performance evaluations"),
    "ent.no_evaluations": ("尚无绩效评价。", "No evaluation yet."),
    "ent.flags": ("预警", "Flags"),
    "ent.no_flags": ("没有预警。", "No flag."),
    "ent.history": ("事件记录", "Event history"),
    "ent.event": ("事件", "Event"),
    "ent.actor": ("操作人", "By"),
    "ent.recorded_at": ("记录时间（北京时间）", "Recorded (Beijing time)"),
    "ent.new_application": ("为该企业录入申请", "New application for this enterprise"),
    "ent.tranches": ("分年拨付", "Tranches"),
    "ent.not_found": ("该企业在这一日期尚未登记。",
                      "The enterprise was not registered by that date."),
    "scope.enterprise_year": ("企业年度上限", "Enterprise, per year"),
    "scope.enterprise_total": ("企业累计上限", "Enterprise, all years"),
    "scope.project": ("单个项目上限", "Per project"),
    "scope.item": ("单项上限", "Per item"),
    # register an enterprise
    "reg.title": ("登记企业", "Register an enterprise"),
    "reg.enterprise_id_hint": ("18位，系统会校验校验码",
                               "18 characters; the check character is verified"),
    "reg.sectors_other": ("其他行业（逗号分隔）", "Other sectors (comma-separated)"),
    "reg.done": ("已登记企业 {name}。", "Registered {name}."),
    "size.large": ("大型", "large"),
    "size.medium": ("中型", "medium"),
    "size.small": ("小型", "small"),
    "size.micro": ("微型", "micro"),
    # applications
    "app.title": ("申请 {id}", "Application {id}"),
    "app.enterprise": ("企业", "Enterprise"),
    "app.project": ("项目编号", "Project"),
    "app.requested": ("申请金额", "Requested"),
    "app.approved_amount": ("核定金额", "Approved"),
    "app.submitted_on": ("提交日期", "Submitted"),
    "app.certified_on": ("认定日期", "Certified"),
    "app.decided_on": ("决定日期", "Decided"),
    "app.catalogue_version": ("政策目录版本", "Catalogue version"),
    "app.basis": ("计算依据", "Basis"),
    "app.claimed": ("申报数", "Claimed"),
    "app.verified": ("认定数", "Verified"),
    "app.no_basis": ("该事项无需计算依据。", "This item computes from no figures."),
    "app.quote": ("测算", "Quote"),
    "app.quote_on": ("按 {date} 测算，现可核定最高 {amount}",
                     "On {date}, at most {amount} may be approved"),
    "app.quote_decided": ("该申请已有决定：此处仅供参考，按今天的规则和企业现有奖励重新测算。",
                          "This application is decided: for reference only, the rules applied "
                          "again today to the enterprise's awards."),
    "app.refusal": ("不能核定：{message}", "Nothing may be approved: {message}"),
    "app.trace": ("计算过程", "How it was computed"),
    "app.rule": ("规则", "Rule"),
    "app.cite": ("出处", "Source"),
    "app.explanation": ("说明", "Explanation"),
    "app.candidates": ("可适用的区级条款", "District clauses the project qualifies for"),
    "app.most_favourable": ("从优", "most favourable"),
    "app.max_amount": ("最高可核定", "Maximum"),
    "app.paid_on": ("拨付日期", "Paid on"),
    "app.unpaid": ("未拨付", "not paid"),
    "app.result": ("结果", "Result"),
    "app.actions": ("办理", "Actions"),
    "app.no_actions": ("该申请当前状态下没有可办理的事项。", "No action is open in this state."),
    "app.clawback": ("应追回 {amount}", "Clawback due: {amount}"),
    "app.reason": ("原因：{reason}", "Reason: {reason}"),
    "app.new_title": ("录入申请", "Record an application"),
    "app.application_id": ("申请编号", "Application number"),
    "app.enterprise_id": ("企业统一社会信用代码", "Enterprise credit code"),
    "app.clause": ("申请条款", "Clause applied for"),
    "app.project_hint": ("默认与申请编号相同", "Defaults to the application number"),
    "app.basis_hint": ("填写所选条款需要的数据（元）",
                       "Fill in the figures the clause needs (yuan)"),
    "app.requested_amount": ("申请金额（元）", "Amount requested (yuan)"),
    "app.needs": ("需要：{fields}", "Needs: {fields}"),
    "app.not_found": ("没有该申请。", "No such application."),
    "action.certify": ("认定", "Certify"),
    "action.certify_hint": ("核实后的数据将替代申报数据",
                            "The verified figures replace the claimed ones"),
    "action.approve": ("核定", "Approve"),
    "action.approve_amount": ("核定金额（元，默认为最高可核定）",
                              "Amount (yuan; default: the maximum)"),
    "action.tranche_plan": ("分年拨付计划（留空则于核定年度一次拨付）",
                            "Tranche plan (empty: one tranche in the approval year)"),
    "action.reject": ("不予支持", "Reject"),
    "action.pay": ("拨付", "Pay a tranche"),
    "action.evaluate": ("绩效评价", "Record an evaluation"),
    "action.revoke": ("撤销奖励", "Revoke the award"),
    "action.revoke_hint": ("以虚假材料取得的奖励；已拨付部分转为应追回",
                           "For an award obtained with false materials; paid tranches become a "
                           "clawback due"),
    "action.repay": ("登记退回资金", "Record a repayment"),
    "action.repay_amount": ("退回金额（元）", "Amount repaid (yuan)"),
    "action.done": ("已办理：{what}", "Done: {what}"),
    "result.pass": ("合格", "pass"),
    "result.fail": ("不合格", "fail"),
    "status.submitted": ("已提交", "submitted"),
    "status.certified": ("已认定", "certified"),
    "status.approved": ("已核定", "approved"),
    "status.completed": ("已完成", "completed"),
    "status.rejected": ("不予支持", "rejected"),
    "status.revoked": ("已撤销", "revoked"),
    "status.stopped": ("已停止", "stopped"),
    # events
    "event.EnterpriseRegistered": ("企业登记", "Enterprise registered"),
    "event.DishonestyRecorded": ("记录失信", "Dishonesty recorded"),
    "event.ApplicationSubmitted": ("提交申请", "Application submitted"),
    "event.ApplicationCertified": ("认定", "Certified"),
    "event.ApplicationApproved": ("核定", "Approved"),
    "event.ApplicationRejected": ("不予支持", "Rejected"),
    "event.TrancheDisbursed": ("拨付", "Tranche paid"),
    "event.EvaluationRecorded": ("绩效评价", "Evaluation recorded"),
    "event.AwardRevoked": ("撤销奖励", "Award revoked"),
    "event.AwardBooked": ("记入企业台账", "Award booked"),
    "event.AwardReleased": ("从企业台账释放", "Award released"),
    "event.AwardStopped": ("停止后续拨付", "Award stopped"),
    "event.RepaymentRecorded": ("收回资金", "Repayment recorded"),
    "event.FlagBoardOpened": ("开启预警记录", "Flag board opened"),
    "event.FlagRaised": ("提出预警", "Flag raised"),
    "event.FlagCleared": ("解除预警", "Flag cleared"),
    "event.PromotionDifferenceApplied": ("晋级差额支持", "Promotion difference applied"),
    # basis figures
    "basis.verified_total_investment": ("核定总投资", "Verified total investment"),
    "basis.contract_amount": ("合同金额", "Contract amount"),
    "basis.actual_interest": ("实际支付利息", "Actual interest"),
    "basis.municipal_support": ("市级支持资金", "Municipal support"),
    "basis.event_expenditure": ("活动支出", "Event expenditure"),
    "basis.fixed_asset_investment": ("固定资产投资", "Fixed asset investment"),
    "basis.annual_operating_income": ("年营业收入", "Annual operating income"),
    "basis.integration_income": ("融合业务收入", "Integration income"),
    # sectors the bureau supports
    "sector.pharmaceutical-health": ("医药健康", "Pharmaceuticals and health"),
    "sector.intelligent-equipment": ("智能装备", "Intelligent equipment"),
    "sector.electronic-materials": ("电子材料", "Electronic materials"),
    "sector.new-energy-vehicles": ("新能源汽车", "New energy vehicles"),
    "sector.green-urban": ("绿色城市", "Green urban"),
    "sector.artificial-intelligence": ("人工智能", "Artificial intelligence"),
    "sector.cybersecurity": ("网络安全", "Cybersecurity"),
    "sector.data-elements": ("数据要素", "Data elements"),
    "sector.blockchain": ("区块链", "Blockchain"),
    "sector.advanced-computing": ("先进计算", "Advanced computing"),
    # catalogue
    "cat.title": ("政策目录", "Policy catalogue"),
    "cat.intro": ("每项政策及其条款、出处（中英文对照）。版本 {version}。",
                  "Every policy and article with its source, in both languages. "
                  "Version {version}."),
    "cat.level.district": ("区级", "district"),
    "cat.level.municipal": ("市级", "municipal"),
    "cat.in_force": ("有效期", "In force"),
    "cat.from": ("自 {date} 起", "from {date}"),
    "cat.until": ("至 {date}（不含）", "until {date} (exclusive)"),
    "cat.no_end": ("未规定截止日期", "no stated end"),
    "cat.no_date": ("未规定日期", "date not stated"),
    "cat.authoritative": ("权威文本", "Authoritative text"),
    "cat.rate": ("比例", "Rate"),
    "cat.rate_of": ("{basis}的 {rate}%", "{rate}% of {basis}"),
    "cat.up_to_caps": ("以上限为准", "up to the caps"),
    "cat.caps": ("上限", "Caps"),
    "cat.no_cap": ("未规定金额", "no stated amount"),
    "cat.years": ("最长支持年限", "Years at most"),
    "cat.sizes": ("适用规模", "Sizes"),
    "cat.ladder": ("晋级梯次", "Ladder"),
    "cat.cites": ("出处", "Sources"),
    # alerts
    "alerts.title": ("预警", "Alerts"),
    "alerts.intro": ("定时任务标记的事项：支持期即将到期、绩效评价逾期、"
                     "应拨付的资金、即将失效的政策、应追回的资金。",
                     "What the daily job flags: support periods about to end, overdue "
                     "evaluations, tranches due, policies about to lapse, clawbacks due."),
    "alerts.empty": ("目前没有预警。定时任务上线后，这里会按到期日列出需要处理的事项。",
                     "Nothing is flagged. Once the daily job runs, what needs attention is "
                     "listed here by due date."),
    "alerts.show_cleared": ("包括已解除的", "Include cleared"),
    "alerts.kind": ("类型", "Kind"),
    "alerts.due_on": ("到期日", "Due"),
    "alerts.raised_on": ("提出日期", "Raised"),
    "alerts.cleared_on": ("解除日期", "Cleared"),
    "alerts.message": ("内容", "Message"),
    "flag.window_closing": ("支持期即将结束", "support window closing"),
    "flag.evaluation_due": ("绩效评价到期", "evaluation due"),
    "flag.tranche_due": ("应拨付", "tranche due"),
    "flag.policy_lapsing": ("政策即将失效", "policy about to lapse"),
    "flag.clawback_due": ("应追回资金", "clawback due"),
    "alerts.overdue": ("已逾期", "overdue"),
    "alerts.open": ("未解除", "open"),
    # spend
    "spend.title": ("资金支出", "Spend"),
    "spend.intro": ("按政策、条款和年度统计的核定与拨付金额。",
                    "Awarded and paid, by policy, article and year."),
    "spend.awarded": ("核定", "Awarded"),
    "spend.paid": ("已拨付", "Paid"),
    "spend.total": ("合计", "Total"),
    "spend.chart": ("各年度核定与拨付", "Awarded and paid by year"),
    "spend.empty": ("尚无核定的资金。", "Nothing has been awarded yet."),
    # users
    "users.title": ("用户管理", "Users"),
    "users.add": ("添加用户", "Add a user"),
    "users.name": ("姓名", "Name"),
    "users.role": ("角色", "Role"),
    "users.active": ("状态", "Status"),
    "users.enabled": ("在用", "active"),
    "users.disabled": ("已停用", "disabled"),
    "users.disable": ("停用", "Disable"),
    "users.added": ("已添加用户 {username}。", "Added {username}."),
    "users.disabled_done": ("已停用用户 {username}。", "Disabled {username}."),
    "users.not_self": ("不能停用自己的账号。", "You cannot disable your own account."),
    "users.password_hint": ("至少 8 个字符", "at least 8 characters"),
    # errors
    "error.400": ("请求无效", "Bad request"),
    "error.400.text": ("表单已过期或来源不明（缺少有效的安全令牌），未做任何修改。请返回后重试。",
                       "The form had expired or came from elsewhere (no valid security token); "
                       "nothing was changed. Go back and try again."),
    "error.400.query": ("地址无效", "Bad address"),
    "error.400.query.text": ("页面地址中的参数无法读取（例如年份或页码不是数字），未做任何修改。",
                             "A value in the page's address cannot be read (a year or a page "
                             "that is not a number, say); nothing was changed."),
    "error.403": ("无权操作", "Not allowed"),
    "error.403.text": ("您的角色不能进行此操作，未做任何修改。",
                       "Your role may not do this; nothing was changed."),
    "error.404": ("页面不存在", "Not found"),
    "error.404.text": ("没有找到该页面或记录。", "There is no such page or record."),
    "error.home": ("返回首页", "Go to the start page"),
    # log-in throttling and account management (issue 14)
    "login.throttled": ("登录失败次数过多，已暂时锁定：请 {minutes} 分钟后再试，"
                        "或请管理员解除锁定。",
                        "Too many failed log-ins: locked for now. Try again in {minutes} "
                        "minute(s), or ask an administrator to unlock it."),
    "users.enable": ("启用", "Enable"),
    "users.enabled_done": ("已启用用户 {username}。", "Enabled {username}."),
    "users.unlock": ("解除锁定", "Unlock"),
    "users.locked": ("已锁定", "locked"),
    "users.unlocked_done": ("已解除 {subject} 的登录锁定。", "Unlocked {subject}."),
    "users.locked_addresses": ("被锁定的地址", "Locked addresses"),
    "users.address": ("地址", "Address"),
    "users.failures": ("失败次数", "Failures"),
    "users.wait": ("剩余等待", "Wait left"),
    "users.minutes": ("{minutes} 分钟", "{minutes} min"),
    "users.refused": ("未做修改：{message}", "Nothing changed: {message}"),
}


def translate(lang: str, key: str, **values) -> str:
    """The text of `key` in `lang`, with `values` filled in; the key itself if unknown."""
    pair = TEXT.get(key)
    if pair is None:
        return key
    text = pair[0] if lang == "zh" else pair[1]
    return text.format(**values) if values else text


def label(lang: str, prefix: str, key: str | None) -> str:
    """A translated name for a value (a status, a sector...), or the value as it is."""
    if key is None:
        return ""
    found = TEXT.get(f"{prefix}.{key}")
    return key if found is None else (found[0] if lang == "zh" else found[1])


def money(lang: str, amount: Decimal | str | int | None) -> str:
    """An amount in yuan as the language writes it: 38.00万元, or ¥380,000.00."""
    if amount is None:
        return "—"
    value = Decimal(amount)
    if lang == "zh":
        wan = (value / 10000).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        return f"{wan:,.2f}万元"
    return f"¥{value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,.2f}"


def money_fen(lang: str, fen: int | None) -> str:
    """An amount held in fen (the views' INTEGER columns), as `money` writes it."""
    return "—" if fen is None else money(lang, Decimal(fen) / 100)


def day(lang: str, value: date | str | None) -> str:
    """A date as the language writes it: 2025年7月1日, or 1 Jul 2025."""
    if not value:
        return "—"
    d = date.fromisoformat(value[:10]) if isinstance(value, str) else value
    if lang == "zh":
        return f"{d.year}年{d.month}月{d.day}日"
    return f"{d.day} {MONTHS_EN[d.month - 1]} {d.year}"


def moment(lang: str, value: datetime | str | None) -> str:
    """A recording time in Beijing time, to the second."""
    if not value:
        return "—"
    t = datetime.fromisoformat(value) if isinstance(value, str) else value
    if t.tzinfo is None:
        t = t.replace(tzinfo=UTC)
    t = t.astimezone(BEIJING)
    return f"{day(lang, t.date())} {t:%H:%M:%S}"
