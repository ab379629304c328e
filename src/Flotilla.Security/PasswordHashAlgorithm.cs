namespace Flotilla.Security;

/// <summary>The crypt(3) schemes Flotilla makes and accepts.</summary>
public enum PasswordHashAlgorithm
{
    /// <summary><c>$2b$</c> (also <c>$2y$</c> and <c>$2a$</c> as htpasswd and PHP make them): what NixFleet uses; passwords up to 72 bytes.</summary>
    Bcrypt,

    /// <summary><c>$y$</c>: Debian's default for <c>/etc/shadow</c> and <c>mkpasswd</c>.</summary>
    Yescrypt,

    /// <summary><c>$6$</c>: sha512-crypt, as <c>openssl passwd -6</c> and older <c>mkpasswd -m sha-512</c> make it.</summary>
    Sha512Crypt,
}
