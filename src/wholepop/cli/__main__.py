from wholepop.cli import main

main()
