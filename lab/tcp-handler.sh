#!@bb@ sh
# Answers one TCP connection for lab service @name@ with a line, then closes it.
bb=@bb@
case "@health@" in slow) $bb sleep 5 ;; esac
echo "@name@ on @host@ version @version@"
