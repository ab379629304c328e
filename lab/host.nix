# Builds a lab host's system closure from its lab configuration (hosts/<host>.json):
#   { "version": "1", "kernel": "1"?, "init": "sysv"|"systemd"?, "services": [ { "name", "port", "kind"?: "http"|"tcp"|"unit" (a process, no port),
#     "health"?: "healthy"|"unhealthy"|"slow"|"crash",
#     "startup"?: seconds the service takes to start (activation waits for it, as systemd waits for
#                 a Type=notify unit; 0 by default),
#     "podman"?, "directories"?, "autoStart"?: a container (false: activation does not start it) } ] }
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
      directories = builtins.concatStringsSep "\n" (s.directories or [ ]) + "\n";
      buildCommand = ''
        mkdir -p $out/bin
        printf '%s' "$run" > $out/bin/run
        printf '%s' "$podmanArgs" > $out/podman-args
        printf '%s' "$directories" > $out/directories
        printf '0\n' > $out/startup
        ${if (s.autoStart or true) then "" else "touch $out/no-autostart"}
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
  # "nixos" (the default), "darwin" (a nix-darwin-like system: activate and activate-user, no
  # switch-to-configuration) or "home-manager" (a home-manager generation: activate, gen-version).
  platform = config.platform or "nixos";
  user = config.user or "root";
  # The service manager that NixOS-like systems run as bin/switch-to-configuration; darwin-like
  # systems and home-manager generations run it from their activate scripts as libexec/lab-activate.
  labActivate = fill ./switch-to-configuration.sh { inherit bb; };
  serviceNames = map (s: s.name) (config.services or [ ]);

  darwin = build "darwin-system-${name}-${version}" {
    inherit kernel version serviceNames labActivate;
    hostName = name;
    activate = fill ./darwin-activate.sh { inherit bb; };
    # nix-darwin before 25.05 has a real activate-user; later ones a stub whose second line marks it deprecated.
    activateUser = if (config.activateUser or "legacy") == "deprecated"
      then "#!${bb} sh\n# nix-darwin: deprecated\necho 'activate-user: deprecated stub' >&2\n"
      else fill ./darwin-activate-user.sh { inherit bb; };
    withActivateUser = if (config.activateUser or "legacy") == "none" then "" else "1";
    systemctl = fill ./systemctl.sh { inherit bb; };
    servicePaths = services;
    buildCommand = ''
      mkdir -p $out/libexec $out/sw/bin $out/services
      printf '%s\n' "$version" > $out/version
      printf '%s\n' "$hostName" > $out/hostname
      printf '%s' "$out" > $out/systemConfig
      printf '%s' "$version" > $out/darwin-version
      ln -s $kernel $out/kernel
      printf '%s' "$activate" > $out/activate
      printf '%s' "$labActivate" > $out/libexec/lab-activate
      chmod +x $out/activate $out/libexec/lab-activate
      if [ -n "$withActivateUser" ]; then printf '%s' "$activateUser" > $out/activate-user; chmod +x $out/activate-user; fi
      printf '%s' "$systemctl" > $out/sw/bin/systemctl
      chmod +x $out/sw/bin/systemctl
      ln -s ${bb} $out/sw/bin/busybox
      set -- $servicePaths
      for n in $serviceNames; do ln -s "$1" "$out/services/$n"; shift; done
    '';
  };

  home = build "home-manager-generation" {
    inherit version serviceNames labActivate;
    hostName = name;
    activate = fill ./home-activate.sh { inherit bb user; };
    # Generations of home-manager 25.11 and later have gen-version: their driver manages the profile.
    genVersion = toString (config.genVersion or 1);
    servicePaths = services;
    buildCommand = ''
      mkdir -p $out/libexec $out/services $out/home-files
      printf '%s\n' "$version" > $out/version
      printf '%s' "$activate" > $out/activate
      printf '%s' "$labActivate" > $out/libexec/lab-activate
      chmod +x $out/activate $out/libexec/lab-activate
      if [ "$genVersion" != 0 ]; then printf '%s\n' "$genVersion" > $out/gen-version; fi
      printf 'lab home %s of %s\n' "$version" "$hostName" > $out/home-files/lab-version
      set -- $servicePaths
      for n in $serviceNames; do ln -s "$1" "$out/services/$n"; shift; done
    '';
  };

  nixos = build "nixos-system-${name}-${version}" {
    inherit kernel version;
    hostName = name;
    switch = fill ./switch-to-configuration.sh { inherit bb; };
    systemctl = fill ./systemctl.sh { inherit bb; };
    systemdRun = fill ./systemd-run.sh { inherit bb; };
    inherit init;
    nixosVersion = "#!${bb} sh\necho ${version}\n";
    reboot = "#!${bb} sh\nexec \"$(${bb} dirname \"$0\")/systemctl\" reboot\n";
    inherit serviceNames;
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
  };
in
if platform == "darwin" then darwin else if platform == "home-manager" then home else nixos
