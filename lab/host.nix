# Builds a lab host's system closure from its lab configuration (hosts/<host>.json):
#   { "version": "1", "kernel": "1"?, "init": "sysv"|"systemd"?, "services": [ { "name", "port", "kind"?: "http"|"tcp"|"unit" (a process, no port),
#     "health"?: "healthy"|"unhealthy"|"slow"|"crash",
#     "startup"?: seconds the service takes to start (activation waits for it, as systemd waits for
#                 a Type=notify unit; 0 by default) } ] }
# Every derivation is built by a static busybox (the only program the closures need), so the
# closure is self-contained and the same with or without Nix's sandbox.
{ system, busybox }:
{ name, config }:
let
  bb = "${busybox}/busybox";
  fill = file: vars:
    builtins.replaceStrings (map (n: "@${n}@") (builtins.attrNames vars)) (builtins.attrValues vars)
      (builtins.readFile file);
  build = drvName: attrs: derivation ({
    name = drvName;
    inherit system;
    builder = bb;
    args = [ "sh" "-c" ''
      set -eu
      mkdir() { ${bb} mkdir "$@"; }; chmod() { ${bb} chmod "$@"; }; ln() { ${bb} ln "$@"; }
      eval "$buildCommand"
    '' ];
  } // attrs);
  version = toString (config.version or "1");
  kernelVersion = toString (config.kernel or "1");
  # "systemd": activation makes /run/systemd/system, so the host looks booted with systemd and
  # its systemd-run (a lab stand-in) starts transient units.
  init = config.init or "sysv";

  # A container service: what NixOS's podman-NAME.service runs (`podman run` attached), its
  # arguments one per line in the closure, so no shell ever parses them.
  container = s:
    build "lab-container-${s.name}-${version}" {
      run = fill ./container-run.sh { inherit bb; name = s.name; health = s.health or "healthy"; };
      podmanArgs = builtins.concatStringsSep "\n" s.podman + "\n";
      buildCommand = ''
        mkdir -p $out/bin
        printf '%s' "$run" > $out/bin/run
        printf '%s' "$podmanArgs" > $out/podman-args
        printf '0\n' > $out/startup
        chmod +x $out/bin/run
      '';
    };

  service = s:
    if (s.kind or "http") == "container" then container s else
    let
      kind = s.kind or "http";
      health = s.health or "healthy";
      startup = toString (s.startup or 0);
      vars = { inherit bb health startup; name = s.name; host = name; port = toString s.port; inherit version kind; };
    in
    build "lab-service-${s.name}-${version}" {
      inherit startup kind;
      port = toString (s.port or 0);
      run = fill ./service-run.sh vars;
      handler = fill (if kind == "tcp" then ./tcp-handler.sh else ./http-handler.sh) vars;
      buildCommand = ''
        mkdir -p $out/bin
        printf '%s' "$run" > $out/bin/run
        printf '%s' "$handler" > $out/handler
        printf '%s\n' "$startup" > $out/startup
        if [ "$kind" != unit ]; then printf '%s\n' "$port" > $out/port; fi
        chmod +x $out/bin/run $out/handler
      '';
    };

  services = map service (config.services or [ ]);

  kernel = build "linux-lab-${kernelVersion}" {
    text = "lab kernel ${kernelVersion}\n";
    buildCommand = ''printf '%s' "$text" > $out'';
  };
in
build "nixos-system-${name}-${version}" {
  inherit kernel version;
  hostName = name;
  switch = fill ./switch-to-configuration.sh { inherit bb; };
  systemctl = fill ./systemctl.sh { inherit bb; };
  systemdRun = fill ./systemd-run.sh { inherit bb; };
  inherit init;
  nixosVersion = "#!${bb} sh\necho ${version}\n";
  reboot = "#!${bb} sh\nexec \"$(${bb} dirname \"$0\")/systemctl\" reboot\n";
  serviceNames = map (s: s.name) (config.services or [ ]);
  servicePaths = services;
  buildCommand = ''
    mkdir -p $out/bin $out/sw/bin $out/services
    printf '%s\n' "$version" > $out/version
    printf '%s\n' "$hostName" > $out/hostname
    ln -s $kernel $out/kernel
    printf '%s' "$switch" > $out/bin/switch-to-configuration
    printf '%s' "$systemctl" > $out/sw/bin/systemctl
    printf '%s' "$systemdRun" > $out/sw/bin/systemd-run
    chmod +x $out/sw/bin/systemd-run
    printf '%s\n' "$init" > $out/init
    printf '%s' "$nixosVersion" > $out/sw/bin/nixos-version
    printf '%s' "$reboot" > $out/sw/bin/reboot
    chmod +x $out/bin/switch-to-configuration $out/sw/bin/systemctl $out/sw/bin/nixos-version $out/sw/bin/reboot
    ln -s ${bb} $out/sw/bin/busybox
    set -- $servicePaths
    for n in $serviceNames; do ln -s "$1" "$out/services/$n"; shift; done
  '';
}
