{
  description = "Flotilla: orchestrates fleets of NixOS machines (deploys with health gates and rollback, reboots, a live dashboard)";

  # No flake.lock is committed: it was made where nixpkgs cannot be fetched. Your flake locks it
  # (inputs.flotilla.inputs.nixpkgs.follows = "nixpkgs"), or `nix flake lock` does here.
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";

  outputs = { self, nixpkgs }:
    let
      inherit (nixpkgs) lib;
      systems = [ "x86_64-linux" "aarch64-linux" "x86_64-darwin" "aarch64-darwin" ];
      flotillaFor = pkgs: pkgs.callPackage ./nix/package.nix { };

      # The modules as they are under nix/modules, with this flake's package as the default of
      # their `package` option (you can still set another).
      withPackage = module: service: { pkgs, ... }: {
        imports = [ module ];
        config.services.${service}.package = lib.mkDefault self.packages.${pkgs.stdenv.hostPlatform.system}.default;
      };
    in
    {
      packages = lib.genAttrs systems (system:
        let flotilla = flotillaFor nixpkgs.legacyPackages.${system}; in
        { inherit flotilla; default = flotilla; });

      overlays.default = final: prev: { flotilla = flotillaFor final; };

      nixosModules = {
        server = withPackage ./nix/modules/flotilla-server.nix "flotilla-server";
        agent = withPackage ./nix/modules/flotilla-agent.nix "flotilla-agent";
        upgrade = withPackage ./nix/modules/flotilla-upgrade.nix "flotilla-upgrade";
        # Metadata only (flotilla.machine): no package. Imported, not the path itself, which
        # `nix flake check` would refuse (a module there is a function or an attribute set).
        machine = { imports = [ ./nix/modules/flotilla-machine.nix ]; };
      };

      homeManagerModules.agent = withPackage ./nix/modules/flotilla-agent-home-manager.nix "flotilla-agent";
    };
}
