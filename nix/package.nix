# Flotilla's command, `flotilla` (it also serves the control plane and runs the agent), built with
# nixpkgs' buildDotnetModule. The flake calls it (packages.<system>.default, overlays.default);
# outside the flake: `pkgs.callPackage ./nix/package.nix { }`.
#
# NuGet packages come from nix/deps.json (scripts/update-nuget-deps.sh writes it from the restore
# and checks it in the tests); runtime, apphost and targeting packs from nixpkgs' .NET SDK.
{ buildDotnetModule, dotnetCorePackages, libxcrypt }:

let
  root = ../.;
  # The version has one home, Directory.Build.props.
  version = builtins.head (builtins.match ".*<Version>([^<]+)</Version>.*" (builtins.readFile (root + "/Directory.Build.props")));

  # What the build reads: the projects, the build settings and the lab's scripts (embedded by
  # Flotilla.Lab). Not global.json: it pins the SDK for people's machines, and here the SDK is
  # dotnet-sdk below (a nixpkgs SDK of another feature band would fail global.json's pin). No
  # bin/ or obj/ left by a local build.
  topLevel = [ "Directory.Build.props" "Directory.Packages.props" "BannedSymbols.txt" "README.md" "src" "lab" ];
  keep = path: type:
    let
      relative = builtins.substring (builtins.stringLength (toString root) + 1) (builtins.stringLength (toString path)) (toString path);
    in
    builtins.elem (builtins.head (builtins.split "/" relative)) topLevel
    && !(type == "directory" && builtins.elem (baseNameOf relative) [ "bin" "obj" ]);
in
buildDotnetModule {
  pname = "flotilla";
  inherit version;

  src = builtins.path { path = root; name = "flotilla-source"; filter = keep; };

  projectFile = "src/Flotilla.Cli/Flotilla.Cli.csproj";
  nugetDeps = ./deps.json;

  dotnet-sdk = dotnetCorePackages.sdk_10_0;
  # The control plane is an ASP.NET Core app: the ASP.NET Core runtime, not the bare .NET one.
  dotnet-runtime = dotnetCorePackages.aspnetcore_10_0;

  executables = [ "flotilla" ];

  # Password hashes are checked with the system's libxcrypt (libcrypt.so.1), loaded at run time.
  runtimeDeps = [ libxcrypt ];

  meta = {
    description = "Orchestrates fleets of NixOS machines: dependency-ordered deploys with health gates and automatic rollback, reboot sequences, and a live dashboard";
    mainProgram = "flotilla";
    platforms = [ "x86_64-linux" "aarch64-linux" "x86_64-darwin" "aarch64-darwin" ];
  };
}
