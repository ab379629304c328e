# Stand-ins for the few nixpkgs packages the modules and the flake under test name: store paths
# that are never built (the tests read the configurations the modules make, not their builds).
# buildDotnetModule makes a derivation that is never built either, and keeps the arguments it was
# given (dotnetModule) for the tests to read; callPackage fills a function's arguments from here.
{ platform ? "x86_64-linux" }:
let
  lib = import ./lib.nix;
  fake = name: {
    type = "derivation";
    inherit name;
    outPath = "/nix/store/0000000000000000000000000000000${toString (builtins.stringLength name)}-${name}";
  };
  darwin = builtins.match ".*-darwin" platform != null;
  pkgs = {
    inherit lib;
    stdenv = {
      isDarwin = darwin;
      isLinux = !darwin;
      hostPlatform.system = platform;
    };
    git = fake "git";
    systemd = fake "systemd";
    util-linux = fake "util-linux";
    bash = fake "bash";
    coreutils = fake "coreutils";
    nix = fake "nix";
    openssh = fake "openssh";
    libxcrypt = fake "libxcrypt";
    flotilla = fake "flotilla";
    restic = fake "restic";
    kopia = fake "kopia";
    gnused = fake "gnused";
    gnugrep = fake "gnugrep";
    formats.json = _: { type = lib.types.anything; };
    dotnetCorePackages = {
      sdk_10_0 = fake "dotnet-sdk-10.0";
      aspnetcore_10_0 = fake "aspnetcore-runtime-10.0";
      runtime_10_0 = fake "dotnet-runtime-10.0";
    };
    buildDotnetModule = args:
      derivation {
        name = "${args.pname}-${args.version}";
        system = platform;
        builder = "/bin/sh";
        args = [ "-c" ": > $out" ];
      } // { dotnetModule = args; meta = args.meta or { }; };
    callPackage = f: overrides:
      let function = if builtins.isFunction f then f else import f; in
      function (builtins.intersectAttrs (builtins.functionArgs function) pkgs // overrides);
  };
in
pkgs
