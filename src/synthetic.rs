//! Synthetic runbooks of any size, in the shipped runbook's style, for benches and scaling tests.

use std::fmt::Write;

/// A runbook with about `steps` automated steps over `hosts` servers.
pub fn runbook(steps: usize, hosts: usize) -> String {
    let hosts = hosts.max(2);
    let mut md = String::from("0.说明\n\n本次上线为合成的演练手册。\n\n1.服务器\n\n");
    for h in 0..hosts {
        let _ = writeln!(
            md,
            "1.{} app-{}\n\n- IP: 10.{}.{}.{}\n- 物理机: kvm-{}\n",
            h + 1,
            h + 1,
            h / 250,
            h % 250,
            10 + h % 200,
            h % 4
        );
    }
    md.push_str("2.升级\n\n");
    let mut made = 0;
    let mut section = 0;
    while made < steps {
        section += 1;
        let a = section % hosts + 1;
        let b = (section + 1) % hosts + 1;
        let _ = write!(
            md,
            "2.{section} 第{section}组\n\n分别登录app-{a} 和app-{b}，执行：\n\n```\n# cd /opt/app{section}\n# tar xvf app{section}.tar\n# mv /opt/app{section}/conf /opt/app{section}/conf_bak\n# chmod +x /opt/app{section}/bin/start.sh\n# service app{section} restart\n```\n\n在/etc/profile文件的最后添加上：\n\n```\nexport APP{section}_HOME=/opt/app{section}\n```\n\n启动过程中，查看日志：\n\n```\n# tail -f /opt/app{section}/logs/app.log\n```\n\n"
        );
        made += 6;
    }
    md.push_str("3 回滚\n\n3.1 恢复\n\n登录app-1，执行：\n\n```\n# mv /opt/app1/conf_bak /opt/app1/conf\n```\n");
    md
}

/// A runbook with `hosts` servers and one step on each, one section per host, in the shipped
/// runbook's style: the shape where planning cost must grow linearly in hosts (#12 item 18).
pub fn fleet(hosts: usize) -> String {
    let mut md = String::from("0.说明\n\n本次上线为合成的演练手册。\n\n1.服务器\n\n");
    for h in 0..hosts {
        let _ = writeln!(
            md,
            "1.{} app-{}\n\n- IP: 10.{}.{}.{}\n",
            h + 1,
            h + 1,
            h / 250,
            h % 250,
            10 + h % 200
        );
    }
    md.push_str("2.升级\n\n");
    for h in 0..hosts {
        let _ = write!(
            md,
            "2.{n} 第{n}组\n\n登录app-{n}，执行：\n\n```\n# service app{n} restart\n```\n\n",
            n = h + 1
        );
    }
    md
}

/// `lines` login lines, each to a machine of its own that no table declares (`登录node-17，执行：`):
/// every name becomes a host as it is read, so the inventory grows with the text (#12 item 18:
/// 50,000 such lines must plan in time linear in the lines).
pub fn logins(lines: usize) -> String {
    let mut md = String::from("0.说明\n\n本次上线为合成的演练手册。\n\n1.升级\n\n");
    for n in 1..=lines {
        let _ = write!(
            md,
            "登录node-{n}，执行：\n\n```\n# service app restart\n```\n\n"
        );
    }
    md
}
