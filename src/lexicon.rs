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
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    SECRET_WORDS.iter().any(|w| lower.contains(w))
        || name.ends_with(".key")
        || name.ends_with(".pem")
        || name.contains("cookie")
}

/// The key of a literal credential in content (`password=…`, `{default_pass, <<"…">>}`, `token: …`).
pub fn literal_credential(content: &str) -> Option<String> {
    static CRED: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r#"(?i)\b([a-z_]*(?:pass(?:word|wd)?|secret|token)[a-z_]*)\b["']?\s*[:=,]\s*(?:<<)?["']?([^\s"'<>{}(),;]{4,})"#).unwrap()
    });
    // The key only: the value itself must not be repeated in diagnostics or logs.
    CRED.captures(content)
        .filter(|c| !c[2].starts_with('$'))
        .map(|c| c[1].to_string())
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

/// What an edit lead-in asks for. Checked in this order.
pub const EDIT_WRITE: &[&str] = &[
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

/// Sentences with these verbs ask a person to do something (manual step), unless informational.
pub const ACTION_VERBS: &[&str] = &[
    "重启", "点击", "获取", "放到", "添加", "修改", "删除", "替换", "启动", "停止", "检查", "验证",
    "访问", "同步", "执行", "安装", "配置", "备份", "恢复", "确认", "创建", "下载", "登录", "测试",
    "搭建", "新建", "部署", "上传",
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
];
pub const TABLE_ROLE: &[&str] = &["角色", "用途", "role", "组", "分组", "服务"];
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
    contains_any(text, TROUBLESHOOTING)
        || (contains_any(text, &["如果", "若", "如遇", "万一"])
            && contains_any(
                text,
                &[
                    "失败",
                    "报错",
                    "异常",
                    "出错",
                    "不成功",
                    "无法",
                    "时报",
                    "出现",
                ],
            ))
}

pub fn contains_any(text: &str, words: &[&str]) -> bool {
    words.iter().any(|w| text.contains(w))
}

pub fn starts_with_any(text: &str, words: &[&str]) -> bool {
    let t = text.trim_start();
    words.iter().any(|w| t.starts_with(w))
}

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
