from sanctiongraph.cli import main

main()
