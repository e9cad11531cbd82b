#!/bin/sh
# standin_agent.sh: a STAND-IN for an LLM coding agent (Claude Code, Codex, Aider, ...), written
# for skein's agent tests. It does no reasoning: it does one scripted thing, chosen by the mode in
# $SKEIN_STANDIN_MODE (passed through consumers.agent.env) or by its first argument, so the tests
# can check how skein runs, bounds and checks a command agent.
#
# Modes:
#   edit            rename core.user_profile_v1 -> core.user_profile_v2 in every *.sql file (sed)
#   hang            start a child that sleeps, record its pid in $HOME/child.pid, then sleep forever
#   escape-job      write ../outside.txt (the job folder, outside the checkout)
#   escape-home     write $HOME/../escaped.txt (the job folder again, through HOME)
#   escape-source   write a file into the source repository (the checkout's origin)
#   plant-hook      add a pre-commit hook to the checkout's .git/hooks
#   delete-test     delete tests/test_users.sql
#   prompt          print the prompt from stdin, then the one in $SKEIN_PROMPT_FILE
#   env             print its environment
#   fail            exit 3
set -u
mode="${1:-${SKEIN_STANDIN_MODE:-}}"
case "$mode" in
  edit)
    for f in $(find . -name '*.sql' -not -path './.git/*'); do
      sed -i 's/core\.user_profile_v1/core.user_profile_v2/g' "$f"
    done
    echo "stand-in: renamed the table"
    ;;
  hang)
    sleep 1000 &
    echo "$!" > "$HOME/child.pid"
    echo "stand-in: hanging"
    sleep 1000
    ;;
  escape-job)
    echo "escaped" > ../outside.txt
    ;;
  escape-home)
    echo "escaped" > "$HOME/../escaped.txt"
    ;;
  escape-source)
    source_repo="$(git config --get remote.origin.url)"
    echo "escaped" > "$source_repo/planted.txt"
    ;;
  plant-hook)
    printf '#!/bin/sh\necho owned\n' > .git/hooks/pre-commit
    chmod +x .git/hooks/pre-commit
    ;;
  delete-test)
    rm tests/test_users.sql
    ;;
  prompt)
    echo "--- stdin ---"
    cat
    echo "--- file ---"
    cat "$SKEIN_PROMPT_FILE"
    ;;
  env)
    env
    ;;
  fail)
    echo "stand-in: failing"
    exit 3
    ;;
  *)
    echo "stand-in: unknown mode '$mode'" >&2
    exit 64
    ;;
esac
