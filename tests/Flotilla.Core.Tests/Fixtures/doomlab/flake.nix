# A flake in the shape of orther/doomlab's: machines/NAME/configuration.nix importing
# services/*.nix, with containers declared as virtualisation.oci-containers (compose2nix's output)
# and, as seeds 000 and 001 describe, services.dagger. nixpkgs is not here: nix/lib.nix stands in
# for its module system, nix/nixos.nix and nix/oci-containers.nix for the NixOS options used, and
# modules/doomlab-options.nix for the options of the other modules doomlab imports.
{
  outputs = { self }:
    let
      lib = import ./nix/lib.nix;
      pkgs = import ./nix/pkgs.nix { };
      nixosSystem = { modules }: lib.evalModules {
        modules = [ ./nix/nixos.nix ./nix/oci-containers.nix ./modules/doomlab-options.nix ] ++ modules;
        specialArgs = { inherit pkgs; };
      };
      machine = name: nixosSystem { modules = [ (./machines + "/${name}/configuration.nix") ]; };
      machines = builtins.attrNames (builtins.readDir ./machines);
    in
    {
      nixosConfigurations = builtins.listToAttrs (map (name: { inherit name; value = machine name; }) machines);
    };
}
