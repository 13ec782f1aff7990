//! The word tables: every Chinese (and English) phrase rbc reads as meaning something.
//! One place, documented; rules elsewhere ask these functions, never match prose themselves.

/// Section titles that open the rollback chapter.
pub const ROLLBACK_TITLE: &[&str] = &["回退", "回滚", "rollback", "Rollback"];

/// A sentence with one of these says which hosts the following blocks run on.
pub const LOGIN: &[&str] = &[
    "分别登录",
    "分别登陆",
    "登录到",
    "登陆到",
    "登录",
    "登陆",
    "ssh",
];

/// Words right before a host mention that make it the target ("on X", "to X").
pub const TARGET_MARKERS: &[&str] = &[
    "登录到",
    "登陆到",
    "登录",
    "登陆",
    "上传到",
    "传到",
    "拷贝到",
    "复制到",
    "覆盖到",
    "到",
    "在",
    "于",
    "至",
    "on ",
];

/// Words ending in a target marker that are not one (`找到` is "find", not "to").
pub const NOT_MARKERS: &[&str] = &[
    "找到",
    "看到",
    "得到",
    "收到",
    "达到",
    "遇到",
    "用到",
    "想到",
    "注意到",
    "存在",
    // Where something is sent on from here: not where the work happens.
    "转发到",
    "分发到",
    "推送到",
    "发送到",
    "同步到",
];

/// "Any one of them" (`任意一台 nacos 节点上执行`): the text leaves the choice of host to the
/// operator; rbc takes the first host of those named and says so. (`其中一台` is not here: "one of
/// them" does not say that any will do; nor a bare `任一`/`任意节点`, which also open conditions:
/// `任一节点失败则回滚`.)
pub const ANY_ONE: &[&str] = &[
    "任意一台",
    "任一台",
    "任选一台",
    "随便一台",
    "任意一个",
    "任意节点上",
    "任一节点上",
    "any one of",
];

/// "One of them" (`在其中一台 nacos 上执行`): one host, but the text does not say which, nor
/// that any will do: rbc cannot tell which host.
pub const ONE_OF: &[&str] = &["其中一台", "其中某台", "其中一个节点", "某一台", "某台"];

/// Words right before a host that restrict the work to it (`所以只有 master 需要…`,
/// `仅在 db-1 执行`): over any other host the sentence names.
pub const ONLY_HERE: &[&str] = &[
    "只有",
    "只在",
    "仅在",
    "只需在",
    "只需要在",
    "仅需在",
    "仅有",
];

/// Right after a host or group name, these make it the place of the work (`web服务器上`).
pub const LOCATIVE_AFTER: &[&str] = &[
    "上",
    "服务器上",
    "节点上",
    "机器上",
    "主机上",
    "服务器中",
    "节点中",
];

/// After `X 上`, these say the work does not happen on X (`master 上不跑`, `db-1 上无需执行`).
pub const NEGATED_PLACE: &[&str] = &[
    "不",
    "默认不",
    "无需",
    "不用",
    "不需要",
    "没有",
    "并不",
    "也不",
];

/// Right before a host, these make it the source, not the target (`将rabbit1上的…`).
pub const SOURCE_MARKERS: &[&str] = &["将", "把", "从", "由"];

/// A sentence with one of these and inline code runs that code (`执行 `systemctl restart x``).
pub const RUN_VERBS: &[&str] = &["执行", "运行", "输入", "键入", "使用命令", "命令"];

/// Words in file contents that make them secrets: installed mode 0600, and a warning (W037).
pub const SECRET_WORDS: &[&str] = &[
    "pass",
    "password",
    "passwd",
    "secret",
    "token",
    "private key",
    "cookie",
];

pub fn is_secret_file(path: &str, content: &str) -> bool {
    let lower = content.to_ascii_lowercase();
    SECRET_WORDS.iter().any(|w| lower.contains(w)) || is_secret_name(path)
}

/// A file that holds keys or passwords by its name: a key, a cookie, a client's password file
/// (PostgreSQL refuses a `.pgpass` others can read).
pub fn is_secret_name(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    name.ends_with(".key")
        || name.ends_with(".pem")
        || name.contains("cookie")
        || [".pgpass", ".netrc", ".git-credentials"].contains(&name.as_str())
}

/// Commands that destroy data: confirmed by the operator before they run (W025).
pub const DESTRUCTIVE: &[&str] = &[
    "drop database",
    "drop table",
    "truncate table",
    "dropdb",
    "pg_restore",
    "flushall",
    "flushdb",
    "mkfs",
    "dd if=",
];

/// Words that join host mentions into one list.
pub const CONNECTORS: &[&str] = &[
    "和", "与", "及", "以及", "、", "，", ",", "/", " ", "；", "或",
];

/// "Every server".
pub const ALL_SERVERS: &[&str] = &[
    "所有的服务器",
    "所有服务器",
    "全部服务器",
    "全部的服务器",
    "每台服务器",
    "所有主机",
    "全部主机",
    "所有的主机",
    "所有机器",
    "所有的机器",
];

/// Counting words before a group name: `两台Nginx`, `三台节点`.
pub const COUNTED: &[&str] = &[
    "两台", "二台", "三台", "四台", "五台", "六台", "2台", "3台", "4台", "5台", "6台", "所有",
    "全部", "各", "每台", "每个",
];

/// Words meaning "the machines of the current group" after a count.
pub const GROUP_NOUNS: &[&str] = &["节点", "服务器", "机器", "主机"];

/// `X与Y相同` / `X和Y一样`: X repeats Y's steps.
pub const SAME_AS_TAIL: &[&str] = &["相同", "一样", "一致"];
pub const SAME_AS_JOIN: &[&str] = &["与", "和", "跟", "同"];
/// `操作同 web-1`: the model host follows.
pub const SAME_AS_LEAD: &[&str] = &[
    "操作同",
    "步骤同",
    "方法同",
    "配置同",
    "部署同",
    "操作与",
    "步骤与",
    "参照",
    "参考",
];

/// Process names too common to stop by (`ps -ef | grep java` matches every Java program).
pub const GENERIC_PROGRAMS: &[&str] = &[
    "java", "python", "python2", "python3", "node", "ruby", "perl", "php", "sh", "bash", "nginx",
    "tomcat", "mysql", "mysqld",
];

/// `所有业务节点`, `全部应用服务器`, `各数据库节点`: every host of the group that follows.
/// Every machine of the runbook, said without naming them.
pub const ALL_MACHINES: &[&str] = &[
    "所有节点",
    "全部节点",
    "所有机器",
    "全部机器",
    "每台机器",
    "每台主机",
    "每个节点",
    "每一台",
    "各节点",
    "各个节点",
    "集群所有",
    "所有服务器",
    "全部服务器",
    "每台服务器",
];
/// Words of `在X上` phrases that are no new machine: not a machine at all (`在此基础上`,
/// `在页面上`), or the machines just named (`在上述服务器上`, `在该节点上`).
pub const NOT_PLACES: &[&str] = &[
    "基础",
    "页面",
    "界面",
    "浏览器",
    "命令行",
    "控制台",
    "网页",
    "图",
    "表",
    "文件",
    "配置",
    "此",
    "这",
    "原有",
    "之",
    "代码",
    "系统",
    "平台",
    "上述",
    "以上",
    "前述",
    "该",
    "同一",
    "对应",
    "各自",
    "末尾",
    "结尾",
    "开头",
    "最后",
    "最前",
];

/// Machines a count may name that are not the runbook's servers (`三台物理机`).
pub const NOT_SERVERS: &[&str] = &[
    "物理机",
    "宿主机",
    "虚拟机",
    "交换机",
    "存储",
    "客户端",
    "PC",
    "电脑",
];
/// The sides of a client/server service a role can name (`NFS 服务端`, `NFS 客户端（只读）`).
pub const ROLE_SIDES: &[&str] = &["服务器端", "服务端", "客户端"];
/// Before a side word (`在客户端上`, `三台客户端`, `到服务端`), these leave it unqualified.
pub const SIDE_OPENERS: &[&str] = &[
    "在", "到", "去", "台", "个", "登录", "对应", "和", "与", "及",
];
/// Client programs one logs in to (`登录 mysql 执行`): never a machine's name.
pub const CLIENT_PROGRAMS: &[&str] = &[
    "mysql",
    "psql",
    "redis-cli",
    "mongo",
    "mongosh",
    "sqlplus",
    "zkCli.sh",
    "cqlsh",
    "beeline",
    "clickhouse-client",
    "rabbitmqctl",
    "etcdctl",
];
pub const ALL_GROUP: &[&str] = &["所有", "全部", "各", "每台", "每个"];

/// One host at a time, each after the one before has finished (a rolling restart).
pub const ONE_AT_A_TIME: &[&str] = &[
    "依次",
    "逐台",
    "逐个",
    "逐一",
    "一台一台",
    "一台接一台",
    "轮流",
    "滚动",
    "下一台",
    "先后",
];

/// `同理`: the same procedure again, on the same hosts.
pub const SAME_AGAIN: &[&str] = &["同理", "同上", "重复上述", "重复以上"];
/// "The same way" (`kfk-02 按相同方法升级`): a repeat of earlier work, said loosely.
pub const SAME_WAY: &[&str] = &[
    "相同方法",
    "相同的方法",
    "同样的方法",
    "同样方法",
    "同样的步骤",
    "相同步骤",
    "相同的步骤",
    "同样操作",
    "同样的操作",
    "相同操作",
];
/// An exception to a repeat (`web-2与web-1相同，但端口改为8082`): what follows differs.
pub const EXCEPTION: &[&str] = &[
    "但是",
    "但",
    "除了",
    "不同的是",
    "区别是",
    "区别在于",
    "唯一不同",
];
/// Words in a repeat that say something changes on the new hosts (`把 IP 换成本机 IP`).
pub const REPEAT_CHANGES: &[&str] = &["换成", "替换成", "替换为", "改成", "改为", "修改为"];
/// A value the text says differs per host (in a comment or the sentence around a block).
pub const PER_HOST_VALUE: &[&str] = &[
    "填自己的",
    "写自己的",
    "自己的 IP",
    "自己的IP",
    "自己的地址",
    "自己的主机名",
    "当前主机",
    "每台不一样",
    "各台不一样",
    "每个节点不一样",
    "当前主机名",
    "当前节点",
    "本机主机名",
    "本机IP",
    "本机ip",
    "本机的IP",
    "本机地址",
    "各节点不同",
    "每台不同",
    "每个节点不同",
    "每台机器不同",
    "各自的",
    "对应的主机名",
    "对应节点",
    "按实际修改",
    "根据实际情况修改",
    "根据实际修改",
    "改成对应",
    "为例",
    "按主机错开",
    "各不相同",
    "分别为",
    "依次为",
    "分别改为",
    "分别修改为",
];

/// Troubleshooting advice: the block after it must not run. Also any `如果/若…失败/报错/异常`.
pub const TROUBLESHOOTING: &[&str] = &[
    "如果遇到",
    "如遇到",
    "如遇",
    "若遇到",
    "如果出现",
    "若出现",
    "无法执行",
    "排查",
    "故障",
];

/// Prefixes of notes (`注：`, `注意：`, `说明：`).
pub const NOTE_PREFIX: &[&str] = &[
    // Documentation-site admonitions of advice (their content follows the title line).
    "!!! note",
    "!!! tip",
    "!!! info",
    "!!! hint",
    "!!! warning",
    "!!! caution",
    "!!! danger",
    "!!! attention",
    "!!! important",
    "!!! question",
    "??? note",
    "??? tip",
    "??? info",
    "??? question",
    "???+ note",
    "???+ tip",
    "???+ info",
    "注：",
    "注:",
    "注意：",
    "注意:",
    "注意，",
    "说明：",
    "说明:",
    "提示：",
    "备注：",
];

/// A sentence that only says where the following work happens (`…上进行`, `做如下操作`).
pub const SCOPE_ONLY: &[&str] = &[
    "上进行",
    "下面的操作",
    "如下操作",
    "以下操作",
    "做如下",
    "进行操作",
];

/// The rest of the machines (`其他节点`, `其余的`, `所有`): with an exclusion, every server less
/// the ones taken out.
pub const OTHERS: &[&str] = &[
    "其他",
    "其它",
    "其余",
    "剩下",
    "剩余",
    "所有",
    "全部",
    "其他的",
    "other",
    "rest",
    "all ",
    "every",
];

/// A comment in a block that makes the lines under it optional (`# 可选：开机自启`).
pub const OPTIONAL: &[&str] = &[
    "可选",
    "选做",
    "按需",
    "视情况",
    "根据需要",
    "根据实际情况",
    "非必须",
    "不是必须",
    "optional",
    "Optional",
    "OPTIONAL",
];

/// A comment in a block that makes the lines under it something a person decides on: a
/// condition (`# 如果启动失败，清理 pid 后再启动`), troubleshooting, another way to do the same
/// (`# 也可以用下面的命令`), something optional, or the way back (`# 回滚：`).
pub fn comment_condition(text: &str) -> bool {
    let t = text.trim().trim_start_matches(['#', ' ']);
    let lower = t.to_ascii_lowercase();
    is_troubleshooting(t)
        || starts_with_any(t, CONDITION_STARTS)
        || contains_any(t, ALTERNATIVE)
        || contains_any(t, OPTIONAL)
        || starts_with_any(t, ROLLBACK_TITLE)
        || [
            "if ",
            "or ",
            "or,",
            "alternatively",
            "otherwise",
            "in case ",
        ]
        .iter()
        .any(|w| lower.starts_with(w))
}

/// An alternative way, not an extra step (`还可以采用下面的方式`).
pub const ALTERNATIVE: &[&str] = &["还可以", "也可以", "或者采用", "另一种方式", "另外一种"];

/// `A，然后B`: A is an instruction of its own before the block that does B.
pub const THEN: &[&str] = &["，然后", ", 然后", ",然后", "；然后", "，再"];

/// Verbs in a lead-in and the commands that do them: a lead-in clause whose verb no command of
/// its block does is an instruction of its own (`将需要回退的服务停止，恢复备份目录，如：`).
pub const VERB_FAMILIES: &[(&[&str], &[&str])] = &[
    (&["停止", "停掉", "关闭"], &["kill", "stop", "halt"]),
    (
        &["启动", "重启"],
        &["start", "nohup", "detached", "restart", "nginx", "run"],
    ),
    (&["解压"], &["tar", "unzip", "gunzip", "xz"]),
    (&["安装"], &["rpm", "yum", "install", "tar", "dpkg", "apt"]),
    (&["备份"], &["mv", "cp", "dump", "tar", "rsync"]),
    (
        &["恢复", "还原"],
        &["mv", "cp", "mysql", "source", "restore", "tar"],
    ),
    (&["权限"], &["chmod", "chown", "setfacl"]),
    (
        &["删除", "清空"],
        &["rm", "drop", "mv", "delete", "truncate"],
    ),
];
/// Clauses that describe or verify rather than instruct (`启动过程中`, `确保服务启动正常`).
pub const CLAUSE_SKIP: &[&str] = &[
    "即可",
    "过程中",
    "确保",
    "检查",
    "查看",
    "观察",
    "如果",
    "若",
    "注意",
    "之前",
    "之后",
    "已经",
    "不一样",
    "确认",
    "已启动",
    "已停止",
];

/// After a verb these make it a noun (`启动文件`, `启动脚本` are things, not actions).
pub const NOUN_AFTER_VERB: &[&str] = &[
    "文件", "脚本", "手册", "参数", "命令", "项", "方式", "过程", "时间",
];

/// Whether `verb` is used as a verb in `clause` (not as part of a noun like `启动文件`).
pub fn has_verb(clause: &str, verb: &str) -> bool {
    clause.match_indices(verb).any(|(i, v)| {
        !starts_with_any(&clause[i + v.len()..], NOUN_AFTER_VERB)
            || clause[i + v.len()..].is_empty()
    })
}

/// Known recipes for instructions that give no command: (all these words, cron file, line with
/// `{VALUE}`, the value's name). The value is asked once on the host, never guessed.
pub const CRON_RECIPES: &[(&[&str], &str, &str, &str)] = &[(
    &["时间同步", "crontab"],
    "/etc/cron.d/rbc-time-sync",
    "*/10 * * * * root /usr/sbin/ntpdate -u {VALUE} >/dev/null 2>&1",
    "NTP_SERVER",
)];

/// Prose saying a file's content comes from another host (`…内容覆盖到rabbit2上的该文件`).
pub const COPY_FROM: &[&str] = &[
    "覆盖到",
    "复制到",
    "拷贝到",
    "粘贴到",
    "内容覆盖",
    "内容复制",
    "保持一致",
    "相同的内容",
];

/// An example, not necessarily the exact instance (`如：`).
pub const EXAMPLE: &[&str] = &["如：", "如:", "例如", "比如"];

/// Lead-ins that show existing content, not content to write (`如图所示`, `如下图所示位置`).
pub const SHOWS_EXISTING: &[&str] = &[
    "如图所示",
    "如下图所示",
    "找到",
    "原内容",
    "原有内容",
    "原配置",
    "原有配置",
    "原来的配置",
    "现有配置",
    "当前配置",
    "修改前",
];

/// Words saying content is one host's (an example) or differs per host (`以 X 为例`, `每台`,
/// `本机`): not the same content everywhere.
pub const CONTENT_PER_HOST: &[&str] = &[
    "为例",
    "例如",
    "比如",
    "每台",
    "各自",
    "分别",
    "本机",
    "当前主机",
];

/// A sentence that starts with a condition (`如果没有，执行：`, `否则`).
pub const CONDITION_STARTS: &[&str] = &[
    "如果",
    "若",
    "万一",
    "否则",
    "不然",
    "假如",
    "要是",
    "如需",
    "如有",
    "如未",
    "如没有",
];

/// A condition that restates the rollback's own premise: the change as a whole failed, or must be
/// undone (`如果初始化失败或需要推倒重来`, `若升级后验证不通过`).
pub const CHANGE_FAILED: &[&str] = &[
    "升级",
    "初始化",
    "发布",
    "变更",
    "部署",
    "上线",
    "安装",
    "更新",
    "迁移",
    "割接",
    "验证",
    "回退",
    "回滚",
    "推倒重来",
];
/// A condition that names a cause or a part (`如果只是配置问题`, `证书问题导致的失败`): a branch.
pub const PARTIAL_CAUSE: &[&str] = &["只是", "仅是", "仅仅是", "导致", "问题", "其中"];

/// The last sentence of a text (after its last `。`, `！`, `？`), when it says something; else
/// the whole text.
pub fn last_sentence(text: &str) -> &str {
    let body = text.trim_end().trim_end_matches([':', '：']);
    match body.rfind(['。', '！', '？']) {
        Some(p)
            if !body[p..]
                .chars()
                .skip(1)
                .collect::<String>()
                .trim()
                .is_empty() =>
        {
            &text[p + '。'.len_utf8()..]
        }
        _ => text,
    }
}

/// The lead-in says the block shows what is there now — not `还原配置目录` / `恢复原配置`
/// (restoring is work to do, and its `原配置` is no excerpt).
pub fn shows_existing(text: &str) -> bool {
    let text = text
        .replace("还原", "")
        .replace("复原", "")
        .replace("恢复原", "")
        .replace("改回原", "");
    contains_any(&text, SHOWS_EXISTING)
}

/// A lead-in that makes a new file (`新建 /etc/x.service：`), when it names a file (not a directory).
pub const EDIT_NEW_FILE: &[&str] = &["新建", "创建"];

/// What an edit lead-in asks for. Checked in this order.
pub const EDIT_WRITE: &[&str] = &[
    "整个文件替换为",
    "整个替换为",
    "全部替换为",
    "写成",
    "写入如下内容",
    "写入以下内容",
    "写入下列内容",
    "中写入",
    "内容如下",
    "写入",
];
pub const EDIT_APPEND: &[&str] = &[
    "末尾补充",
    "末尾添加",
    "末尾增加",
    "最后添加",
    "最后增加",
    "最后补充",
    "追加",
    "补充如下",
    "补充",
];
pub const EDIT_REPLACE: &[&str] = &[
    "替换为",
    "修改为",
    "改为",
    "按照如下内容修改",
    "修改配置",
    "修改成",
    "去掉",
];
pub const EDIT_ADD: &[&str] = &[
    "增加如下内容",
    "添加如下内容",
    "增加如下",
    "添加如下",
    "增加",
    "添加",
    "加入",
    "配置",
];

/// Lead-in words that always announce file content (never commands), whether or not rbc can
/// name the file.
pub const EDIT_STRONG: &[&str] = &[
    "写入如下内容",
    "写入以下内容",
    "内容如下",
    "末尾补充",
    "末尾添加",
    "末尾增加",
    "末尾追加",
    "追加如下",
    "增加如下内容",
    "添加如下内容",
    "修改为",
    "替换为",
];

/// Programs that write a database backup.
pub const DUMPERS: &[&str] = &["mysqldump", "pg_dump", "pg_dumpall", "mongodump"];

/// Database clients that take SQL on their input.
pub const DB_CLIENTS: &[&str] = &["mysql", "mariadb", "psql"];

/// Programs that feed a compressed backup into a pipeline.
pub const DECOMPRESSORS: &[&str] = &[
    "cat", "zcat", "gunzip", "gzip", "xzcat", "bzcat", "xz", "bzip2", "unxz",
];

/// What a redis-cli / psql / mongo session line starts with when it only reads.
pub const CLIENT_READS: &[&str] = &[
    "\\c",
    "\\d",
    "\\l",
    "\\q",
    "\\x",
    "quit",
    "exit",
    "exists ",
    "get ",
    "mget ",
    "keys ",
    "scan ",
    "info",
    "ping",
    "ttl ",
    "pttl ",
    "type ",
    "hget",
    "hlen ",
    "hexists ",
    "llen ",
    "lrange ",
    "scard ",
    "smembers ",
    "sismember ",
    "zcard ",
    "zrange ",
    "zscore ",
    "strlen ",
    "dbsize",
    "config get ",
    "client list",
    "slowlog get",
    "cluster info",
    "cluster nodes",
    "role",
    "time",
    "lastsave",
    "memory usage ",
    "show ",
    "use ",
    "db.getname",
    "rs.conf()",
];

/// Words that name a part of a configuration file (the content goes inside it).
pub const FILE_PARTS: &[&str] = &[
    "段中",
    "段内",
    "段里",
    "段下",
    "段末",
    "段落中",
    "部分中",
    "部分下",
    "section",
    "节点下",
    "块中",
];

/// Upload verbs: `上传…到HOST的/DIR下`, `将FILE传到/DIR`.
pub const UPLOAD: &[&str] = &["上传", "传到", "拷贝到", "复制到", "scp"];
/// The jump host: `先上传到X上，然后scp到…`.
pub const JUMP: &[&str] = &["先上传到", "先传到", "先拷贝到", "跳板机"];
/// A document-wide default for where the steps run, until a section says otherwise.
pub const DOCUMENT_DEFAULT: &[&str] = &[
    "如无特别说明",
    "如无特殊说明",
    "若无特别说明",
    "若无特殊说明",
    "除非特别说明",
    "没有特别说明的",
    "以下操作均在",
    "以下操作都在",
    "以下命令均在",
    "以下命令在每台",
    "以下步骤均在",
];

/// The jump host by its role word (`通过堡垒机 bastion-01（10.30.0.8）登录`).
pub const JUMP_ROLE: &[&str] = &["跳板机", "堡垒机", "中转机", "跳转机"];

/// Sentences with these verbs ask a person to do something (manual step), unless informational.
pub const ACTION_VERBS: &[&str] = &[
    "重启",
    "点击",
    "获取",
    "放到",
    "添加",
    "修改",
    "删除",
    "替换",
    "启动",
    "停止",
    "检查",
    "验证",
    "访问",
    "同步",
    "执行",
    "安装",
    "配置",
    "备份",
    "恢复",
    "确认",
    "创建",
    "下载",
    "登录",
    "测试",
    "搭建",
    "新建",
    "部署",
    "上传",
    "重复",
    "照此",
    "做一遍",
    "操作一遍",
];
/// Informational sentences (a note even if they contain a verb).
pub const INFORMATIONAL: &[&str] = &[
    "主要",
    "涉及",
    "目前",
    "上述",
    "之后，",
    "使用该命令",
    "不做",
    "本次",
    "以下",
    "下面的",
    "能够看到",
    "看到",
];
/// GUI actions: done in a browser by a person, on no server.
pub const GUI: &[&str] = &["点击", "页面", "界面", "浏览器", "控制台"];
/// A reboot of the machine: manual, and the run resumes after it.
pub const REBOOT: &[&str] = &[
    "重启操作系统",
    "重启服务器",
    "重启机器",
    "重启主机",
    "reboot",
];

/// Header words of a host table column.
pub const TABLE_HOST: &[&str] = &[
    "主机",
    "主机名",
    "主机名称",
    "服务器",
    "服务器名",
    "服务器名称",
    "hostname",
    "host",
    "host name",
    "server",
    "server name",
    "node",
    "machine",
    "机器",
    "机器名",
    "节点名",
    "节点名称",
    "名称",
    "目标服务器",
    "节点",
    "执行服务器",
    "执行主机",
    "目标主机",
];
/// A column numbering the steps of an operation table (its rows are done in order).
pub const TABLE_STEP: &[&str] = &["步骤", "序号", "顺序", "step", "no.", "#"];

pub const TABLE_IP: &[&str] = &[
    "ip",
    "地址",
    "ip地址",
    "管理ip",
    "业务ip",
    "内网ip",
    "ip address",
    "ip addr",
    "address",
    "服务器ip",
    "主机ip",
];
/// A host table's column saying what each machine is for: its cells name the machine's roles.
pub const TABLE_ROLE: &[&str] = &[
    "角色",
    "用途",
    "role",
    "roles",
    "组",
    "分组",
    "服务",
    "服务角色",
    "节点角色",
    "部署服务",
    "部署组件",
    "组件",
    "安装组件",
    "安装服务",
    "部署应用",
    "部署内容",
    "component",
    "components",
    "service",
    "services",
];
pub const TABLE_FILE: &[&str] = &["程序文件", "文件", "文件名", "安装包", "file"];
/// An operation table: a command column and a host column make one step per row.
pub const TABLE_COMMAND: &[&str] = &["执行命令", "命令", "操作命令", "command", "commands"];
pub const TABLE_WHAT: &[&str] = &["操作内容", "操作", "内容", "说明", "步骤"];
pub const TABLE_DIR: &[&str] = &["目标目录", "目录", "路径", "dir", "directory"];

/// Keys of host declaration lists.
pub const KEY_IP: &[&str] = &["ip", "ip地址", "地址", "管理ip"];
pub const KEY_PHYSICAL: &[&str] = &["物理机", "宿主机", "physical"];
/// A list of specs shared by a group: `API机器公共硬件配置如下`.
pub const GROUP_SPECS: &[&str] = &["公共", "通用配置"];

/// Commands that only read (their step is a `check`).
pub const READ_ONLY: &[&str] = &[
    "ls",
    "ll",
    "cat",
    "more",
    "less",
    "head",
    "grep",
    "ps",
    "df",
    "du",
    "free",
    "uptime",
    "netstat",
    "ss",
    "ip",
    "ifconfig",
    "erl",
    "java",
    "which",
    "whoami",
    "hostname",
    "date",
    "id",
    "top",
    "lsof",
    "pgrep",
    "wc",
    "stat",
    "md5sum",
    "sha256sum",
    "find",
    "rpm -q",
    "rpm -qa",
    "echo",
    "tail",
    "uname",
    "lsblk",
    "getenforce",
    "sestatus",
    "nslookup",
    "ping",
    "telnet",
    "env",
    "printenv",
    "whereis",
    "dmesg",
    "journalctl",
];
/// Sub-commands of tools that only read.
pub const READ_ONLY_SUB: &[(&str, &[&str])] = &[
    (
        "rabbitmqctl",
        &[
            "cluster_status",
            "list_policies",
            "status",
            "list_queues",
            "list_users",
        ],
    ),
    ("service", &["status"]),
    ("systemctl", &["status", "is-active"]),
    ("nginx", &["-t", "-v", "-V"]),
    ("iptables", &["-L", "-nL", "-nvL", "-S", "-vnL", "--list"]),
    ("crontab", &["-l"]),
    (
        "firewall-cmd",
        &[
            "--list-ports",
            "--list-all",
            "--list-services",
            "--state",
            "--query-port",
        ],
    ),
    (
        "docker",
        &["ps", "images", "logs", "inspect", "version", "info"],
    ),
    ("kubectl", &["get", "describe", "logs"]),
    ("chkconfig", &["--list"]),
];

/// Daemons started by a command line, and how to see that they run (`pgrep -f` pattern).
pub const DAEMONS: &[(&str, &str)] = &[
    ("rabbitmq-server", "rabbitmq_server|beam.*rabbit"),
    ("nginx", "nginx: master"),
    ("mongod", "mongod"),
    ("redis-server", "redis-server"),
];

/// `如果启动失败，可以…`: a condition on a failure introduces troubleshooting advice.
pub fn is_troubleshooting(text: &str) -> bool {
    // `模拟主节点故障`, `故障演练`: a failure made on purpose is a test the runbook asks for.
    let mut rest = String::with_capacity(text.len());
    let mut at = 0;
    for m in crate::rx::captures(&SIMULATED, text, |c| crate::rx::within(c.get(1), 0, 12))
        .filter_map(|c| c.get(0))
    {
        rest.push_str(&text[at..m.start()]);
        at = m.end();
    }
    rest.push_str(&text[at..]);
    let text = rest;
    contains_any(&text, TROUBLESHOOTING)
        || (contains_any(&text, CONDITIONS) && contains_any(&text, SYMPTOMS))
}

/// A failure made on purpose (`模拟主节点故障`, `故障演练`, `故障切换测试`): a test, not advice
/// (at most 12 characters between, checked in code: crate::rx).
static SIMULATED: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"(?:模拟|人为制造|制造)([^，,。；;：:]*?)(?:故障|宕机|失败)|故障(?:演练|切换测试|转移测试)")
        .unwrap()
});

/// A note (`注：…`) that speaks of a condition or a symptom: advice for when something goes
/// wrong, whose block never runs as part of the change.
pub fn is_advice_note(text: &str) -> bool {
    starts_with_any(text, NOTE_PREFIX)
        && (contains_any(text, TROUBLESHOOTING)
            || contains_any(text, CONDITIONS)
            || contains_any(text, SYMPTOMS))
}

/// Words that make a sentence conditional (`如果…`, `…的话`).
pub const CONDITIONS: &[&str] = &[
    "如果",
    "若",
    "如遇",
    "万一",
    "一般是",
    "可能是",
    "的话",
    "情况下",
];
/// Words that name something going wrong.
pub const SYMPTOMS: &[&str] = &[
    "失败",
    "报错",
    "异常",
    "出错",
    "不成功",
    "无法",
    "时报",
    "出现",
    "报 ",
    "报`",
    "退出",
    "没生效",
    "不生效",
    "超时",
    "冲突",
    "起不来",
    "不通",
];

pub fn contains_any(text: &str, words: &[&str]) -> bool {
    words.iter().any(|w| text.contains(w))
}

pub fn starts_with_any(text: &str, words: &[&str]) -> bool {
    let t = text.trim_start();
    words.iter().any(|w| t.starts_with(w))
}

/// Lead-ins that show what a look prints (`内容大致如下：`, `输出如下：`): example output.
/// A lead-in that is only one of these words labels the block as output shown for people.
pub const OUTPUT_LABELS: &[&str] = &[
    "输出",
    "输出结果",
    "返回",
    "返回结果",
    "结果",
    "执行结果",
    "显示",
    "回显",
    "示例输出",
];

pub const OUTPUT_SHOWN: &[&str] = &[
    "即正常",
    "即为正常",
    "说明正常",
    "表示正常",
    "即成功",
    "表示成功",
    "结果应为",
    "输出应为",
    "输出应与",
    "结果应与",
    "返回应与",
    "应与下面一致",
    "应与下列一致",
    "应与以下一致",
    "返回应为",
    "输出如下",
    "输出类似",
    "输出大致",
    "结果如下",
    "结果类似",
    "返回如下",
    "返回类似",
    "显示如下",
    "显示类似",
    "大致如下",
    "类似如下",
    "类似下面",
    "回显如下",
    "能看到",
    "可以看到",
    "应看到",
    "会看到",
];

/// Section titles of work done only when something has failed (`附：主库故障时手工提升备库`):
/// a person judges when; the steps are manual (W046).
pub const CONTINGENCY_TITLES: &[&str] = &[
    "故障时",
    "失败时",
    "异常时",
    "宕机时",
    "不可用时",
    "应急处理",
    "应急预案",
    "应急操作",
    "应急方案",
    "紧急处理",
];

/// Section titles of questions and troubleshooting: nothing in them runs as part of the change.
pub const FAQ_TITLES: &[&str] = &[
    "常见问题",
    "FAQ",
    "Q&A",
    "问题排查",
    "故障排查",
    "故障处理",
    "排错",
    "问题处理",
    "疑难",
    "踩坑",
];

pub fn is_rollback_title(title: &str) -> bool {
    contains_any(title, ROLLBACK_TITLE)
}

/// True for CJK ideographs (used to tell a `# 查看…` comment from a `# cmd`).
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4dbf | 0x4e00..=0x9fff | 0xf900..=0xfaff | 0x3000..=0x303f | 0xff00..=0xffef)
}

pub fn has_cjk(text: &str) -> bool {
    text.chars().any(is_cjk)
}

/// Role words for the two sides of a replicated service (`主库上执行`, `去从库查`, `所有从节点`):
/// the words a sentence uses, and the role values, remarks or name parts (`db-master`,
/// `pg-standby`, role `SECONDARY`, remark `（主）`) that make a host one of them. A host of both
/// kinds makes the words ambiguous: they then name nothing.
pub const ROLE_KINDS: &[(&[&str], &[&str])] = &[
    (
        &[
            "主数据库",
            "主服务器",
            "主节点",
            "主库",
            "Master 节点",
            "Master节点",
            "master 节点",
            "master节点",
        ],
        &["主", "主库", "主节点", "master", "primary"],
    ),
    (
        &[
            "从数据库",
            "备数据库",
            "从服务器",
            "备服务器",
            "从节点",
            "备节点",
            "从库",
            "备库",
            "Slave 节点",
            "Slave节点",
            "slave 节点",
            "slave节点",
        ],
        &[
            "从",
            "备",
            "从库",
            "备库",
            "从节点",
            "备节点",
            "slave",
            "standby",
            "secondary",
            "replica",
            "backup",
        ],
    ),
];
