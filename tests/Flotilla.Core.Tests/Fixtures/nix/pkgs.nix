# Stand-ins for the few nixpkgs packages the modules under test name: store paths that are never
# built (the tests read the configurations the modules make, not their builds).
{ platform ? "x86_64-linux" }:
let
  fake = name: {
    type = "derivation";
    inherit name;
    outPath = "/nix/store/0000000000000000000000000000000${toString (builtins.stringLength name)}-${name}";
  };
  darwin = builtins.match ".*-darwin" platform != null;
in
{
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
  flotilla = fake "flotilla";
  restic = fake "restic";
  kopia = fake "kopia";
  gnused = fake "gnused";
  gnugrep = fake "gnugrep";
}
